"""Daily snapshots: figures as of their day, written once and never rewritten by later data."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.reports.models import DailyFigure
from npl.reports.services import backfill, take_snapshot
from npl.reports.tests.conftest import act, repay

APR = {d: dt.date(2026, 4, d) for d in range(1, 31)}


def fig(campaign, town, day) -> DailyFigure:
    return DailyFigure.objects.get(campaign=campaign, township=town, day=day)


def test_a_snapshot_holds_each_townships_task_collected_and_the_days_work(campaign, loans, units):
    repay(loans["LA001"], APR[1], "4000.00", interest="300.00")
    repay(loans["LA001"], APR[2], "6000.00")
    repay(loans["LB001"], APR[2], "200000.00", channel="court")
    act(loans["LA001"], APR[2])
    act(loans["LA003"], APR[2], method="phone")
    act(loans["LB002"], APR[1])
    take_snapshot(APR[2])
    a, b = fig(campaign, units.town_a, APR[2]), fig(campaign, units.town_b, APR[2])
    assert (a.task_count, a.task_amount, b.task_count, b.task_amount) == (3, Decimal("430000.00"), 2, Decimal("1250000.00"))
    assert (a.collected_count, a.collected_amount, a.collected_interest) == (1, Decimal("10000.00"), Decimal("300.00"))
    assert (a.collected_today, b.collected_today) == (Decimal("6000.00"), Decimal("200000.00"))
    assert (a.actions_today, b.actions_today) == (2, 0)


def test_clocks_at_risk_count_lapsed_and_soon_lapsing_loans_but_not_those_in_suit(campaign, loans, units):
    take_snapshot(APR[2])
    a, b = fig(campaign, units.town_a, APR[2]), fig(campaign, units.town_b, APR[2])
    assert a.clocks == {"lapsed": 2, "suspended_by_suit": 1}  # LA002 is in the bank's suit
    assert (a.clocks_at_risk, b.clocks_at_risk) == (2, 2)


def test_promises_due_are_those_falling_due_that_day_and_not_kept_by_then(campaign, loans, units):
    act(loans["LA001"], APR[1], promise=APR[3])
    act(loans["LA002"], APR[1], promise=APR[3], kept_on=APR[3])
    act(loans["LA003"], APR[1], promise=APR[3], kept_on=APR[5])  # kept, but two days late
    act(loans["LB001"], APR[1], promise=APR[4])
    take_snapshot(APR[3])
    assert fig(campaign, units.town_a, APR[3]).promises_due == 2
    assert fig(campaign, units.town_b, APR[3]).promises_due == 0


def test_the_nine_categories_are_kept_per_township_as_of_the_day(campaign, loans, units):
    take_snapshot(APR[2])
    cats = fig(campaign, units.town_a, APR[2]).loans_in_category
    assert cats["lost_contact"] == [1, "80000.00"] and cats["litigation"] == [1, "250000.00"]
    assert fig(campaign, units.town_b, APR[2]).loans_in_category["public_servant"] == [1, "1200000.00"]


def test_a_day_already_taken_is_never_rewritten_when_later_data_for_it_arrives(campaign, loans, units):
    repay(loans["LA001"], APR[2], "1000.00")
    assert take_snapshot(APR[2]) == 2
    repay(loans["LA002"], APR[2], "50000.00")  # imported later, dated that same day
    act(loans["LA002"], APR[2])
    assert take_snapshot(APR[2]) == 0
    a = fig(campaign, units.town_a, APR[2])
    assert (a.collected_amount, a.collected_today, a.actions_today) == (Decimal("1000.00"), Decimal("1000.00"), 0)
    take_snapshot(APR[3])  # the next day's snapshot sees everything dated up to it
    assert fig(campaign, units.town_a, APR[3]).collected_amount == Decimal("51000.00")


def test_backfill_computes_each_past_day_as_of_that_day(campaign, loans, units):
    repay(loans["LB001"], APR[2], "100000.00")
    repay(loans["LB001"], APR[4], "50000.00")
    assert backfill(APR[1], APR[4]) == 8
    collected = [fig(campaign, units.town_b, APR[d]).collected_amount for d in (1, 2, 3, 4)]
    assert collected == [Decimal("0.00"), Decimal("100000.00"), Decimal("100000.00"), Decimal("150000.00")]
    assert all(f.backfilled for f in DailyFigure.objects.all())


def test_a_repayment_on_the_baseline_day_is_inside_the_baseline_and_not_collected(campaign, loans, units):
    repay(loans["LA001"], dt.date(2026, 3, 31), "5000.00")
    take_snapshot(dt.date(2026, 3, 31))
    assert fig(campaign, units.town_a, dt.date(2026, 3, 31)).collected_amount == Decimal("0.00")


def test_no_snapshot_is_taken_before_a_campaign_starts_or_for_a_future_day(campaign):
    assert take_snapshot(dt.date(2026, 3, 30)) == 0
    with pytest.raises(ValueError, match="未来日期"):
        take_snapshot(dt.date(2099, 1, 1))


def test_a_backfill_counts_each_days_clocks_as_that_day_alone_would(campaign, loans, units):
    """The back-fill reads each loan's facts once for all its days: each day's clock counts are still those of that
    day alone — a demand the borrower signs on the 3rd, and the repayment of the 4th, count from their own day."""
    from npl.collection.models import CollectionAction
    from npl.core import derived
    from npl.reports.snapshots import _clock_counts, clock_counts_on_days

    for loan in loans.values():
        CollectionAction.objects.create(loan=loan, acted_on=APR[3], method="visit", signature="borrower")
    derived.refresh([loan.pk for loan in loans.values()], setup=True)
    repay(loans["LB001"], APR[4], "1000.00")
    towns = [units.town_a.pk, units.town_b.pk]
    days = [APR[d] for d in (1, 2, 3, 4, 5)]
    together = clock_counts_on_days(towns, days)

    def plain(counts):
        return {town: dict(statuses) for town, statuses in counts.items() if statuses}
    for day in days:
        assert plain(together[day]) == plain(_clock_counts(towns, day)), day
    assert plain(together[APR[2]]) != plain(together[APR[3]])  # the signed demands count from the 3rd only
    assert backfill(APR[1], APR[5]) == 10
    assert fig(campaign, units.town_a, APR[2]).clocks == plain(_clock_counts(towns, APR[2]))[units.town_a.pk]
    assert fig(campaign, units.town_a, APR[3]).clocks == plain(_clock_counts(towns, APR[3]))[units.town_a.pk]


def test_a_backfill_counts_a_deadline_passing_inside_its_days_as_each_day_alone_would(campaign, loans, units):
    """A loan with nothing new in the back-filled days has its clock computed once for all of them: its status must
    still move on each day as the deadline nears and passes — through a month's warning and into lapsed."""
    from npl.loans.models import Loan
    from npl.reports.snapshots import _clock_counts, clock_counts_on_days

    days = [APR[d] for d in range(1, 15)]
    # Maturities three years before days in and around the window: deadlines (moved past rest days) inside it,
    # one month after it (the warning starts inside it) and long past.
    matured = [dt.date(2023, 4, d) for d in (3, 7, 11)] + [dt.date(2023, 5, 6), dt.date(2020, 1, 1)]
    for loan, maturity in zip(loans.values(), matured, strict=False):
        Loan.objects.filter(pk=loan.pk).update(maturity_date=maturity, issue_date=dt.date(2019, 1, 1))
    towns = [units.town_a.pk, units.town_b.pk]
    together = clock_counts_on_days(towns, days)

    def plain(counts):
        return {town: dict(statuses) for town, statuses in counts.items() if statuses}
    for day in days:
        assert plain(together[day]) == plain(_clock_counts(towns, day)), day
    assert len({str(plain(together[day])) for day in days}) >= 3  # the counts do change inside the window


def test_a_backfill_counts_only_the_loans_with_a_balance_on_each_day(campaign, loans, units):
    """Each day counts the loans that exist and owe something that day: one settled inside the days drops out from
    its repayment's day, one first reported inside them comes in from its snapshot's day."""
    from npl import testing
    from npl.core import derived
    from npl.reports.snapshots import _clock_counts, clock_counts_on_days

    repay(loans["LB002"], APR[3], "50000.00")  # settled on the 3rd
    late = testing.loan("LA009", testing.borrower(9, "赵六"), units.town_a, units.branch_a, as_of=APR[4])
    derived.refresh([late.pk], setup=True)
    towns = [units.town_a.pk, units.town_b.pk]
    days = [APR[d] for d in range(1, 7)]
    together = clock_counts_on_days(towns, days)

    def total(counts, town):
        return sum(counts.get(town, {}).values())
    for day in days:
        alone = _clock_counts(towns, day)
        assert {t: dict(s) for t, s in together[day].items() if s} == {t: dict(s) for t, s in alone.items() if s}, day
    assert [total(together[day], units.town_b.pk) for day in days] == [2, 2, 1, 1, 1, 1]
    assert [total(together[day], units.town_a.pk) for day in days] == [3, 3, 3, 4, 4, 4]
