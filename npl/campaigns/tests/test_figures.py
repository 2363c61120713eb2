"""Campaign figures: task at baseline, collected after it (partial included), reductions, rate, channels."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl import testing
from npl.accounts.choices import Role
from npl.campaigns.figures import campaign_figures, summary
from npl.campaigns.services import create_campaign, decide_reduction, request_reduction
from npl.categories.tests.conftest import SNAP, repay
from npl.loans.models import LoanEvent

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture
def admins(town):
    return (
        testing.user("town_admin", Role.TOWNSHIP_ADMIN, town=town),
        testing.user("qu_admin", Role.DISTRICT_ADMIN),
    )


@pytest.fixture
def campaign(db):
    return create_campaign("攻坚行动", SNAP)


def test_task_is_the_baseline_loans_with_their_baseline_balances(make_loan, campaign):
    a = make_loan("L1", "1000.00")
    make_loan("L2", "2000.50")
    make_loan("L3", "9000.00", as_of=dt.date(2026, 4, 30))  # registered after the baseline
    repay(a, dt.date(2026, 4, 2), "300.00")  # lowers a's balance later, not its task amount
    s = summary(campaign, AS_OF)
    assert (s["task_count"], s["task_amount"]) == (2, "3000.50")
    assert s["scope"] == "西岭区" and s["campaign"] == "攻坚行动" and s["as_of"] == "2026-09-30"


def test_collected_counts_partial_repayments_after_the_baseline_and_keeps_interest_beside(make_loan, campaign):
    a, b, c = make_loan("L1", "1000.00"), make_loan("L2", "2000.00"), make_loan("L3", "7000.00")
    repay(a, SNAP, "100.00", interest="9.00")  # on the baseline day: inside the baseline snapshot
    repay(a, dt.date(2026, 4, 1), "200.00", interest="10.00")
    repay(a, dt.date(2026, 5, 1), "50.00", channel="court")
    repay(b, dt.date(2026, 6, 1), "0.00", interest="20.00")  # interest only: not a collected loan
    repay(c, dt.date(2026, 10, 1), "7000.00")  # after the as-of day
    s = summary(campaign, AS_OF)
    assert (s["collected_count"], s["collected_amount"], s["interest_collected"]) == (1, "250.00", "30.00")
    assert s["remaining_amount"] == "9750.00"
    assert s["collected_by_channel"]["cash"] == "200.00" and s["collected_by_channel"]["court"] == "50.00"


def test_recovery_rate_is_a_percentage_with_two_places_rounded_half_up(make_loan, campaign):
    loan = make_loan("L1", "20000.00")
    repay(loan, dt.date(2026, 4, 1), "1000.90")  # 5.0045% → 5.00
    assert summary(campaign, AS_OF)["recovery_rate"] == "5.00"
    repay(loan, dt.date(2026, 4, 2), "0.10")  # 1001.00 / 20000 = 5.005% → 5.01 (half-up, not half-even)
    assert summary(campaign, AS_OF)["recovery_rate"] == "5.01"


def test_an_empty_campaign_reports_zeros_not_an_error(campaign):
    s = summary(campaign, AS_OF)
    assert (s["task_count"], s["task_amount"], s["recovery_rate"]) == (0, "0.00", "0.00")


def test_an_approved_reduction_leaves_the_task_from_its_approval_day(make_loan, campaign, admins):
    town_admin, qu_admin = admins
    keep, cut = make_loan("L1", "1000.00"), make_loan("L2", "4000.00")
    repay(cut, dt.date(2026, 4, 10), "400.00")
    red = request_reduction(campaign, cut, town_admin, "冒名贷款，已移交公安", evidence=None)
    assert summary(campaign, AS_OF)["task_count"] == 2  # pending: still in the task
    decide_reduction(red, qu_admin, approve=True, on=dt.date(2026, 6, 1))
    before = summary(campaign, dt.date(2026, 5, 31))
    after = summary(campaign, dt.date(2026, 6, 1))
    assert (before["task_count"], before["task_amount"], before["collected_amount"]) == (2, "5000.00", "400.00")
    assert (after["task_count"], after["task_amount"], after["collected_amount"]) == (1, "1000.00", "0.00")
    assert LoanEvent.objects.filter(loan=cut, kind="reduction").count() == 2
    assert keep.pk != cut.pk


def test_a_refused_reduction_leaves_the_task_unchanged_and_only_the_district_admin_decides(make_loan, campaign, admins):
    town_admin, qu_admin = admins
    loan = make_loan("L1", "1000.00")
    red = request_reduction(campaign, loan, town_admin, "理由")
    with pytest.raises(PermissionDenied):
        decide_reduction(red, town_admin, approve=True)
    decide_reduction(red, qu_admin, approve=False, note="证据不足")
    assert summary(campaign, AS_OF)["task_count"] == 1
    with pytest.raises(ValidationError):
        decide_reduction(red, qu_admin, approve=True)


def test_a_reduction_is_refused_for_a_loan_outside_the_task_or_the_requesters_township(make_loan, campaign, admins, other_town):
    town_admin, _ = admins
    later = make_loan("L1", "1000.00", as_of=dt.date(2026, 5, 1))
    with pytest.raises(ValidationError):
        request_reduction(campaign, later, town_admin, "理由")
    with pytest.raises(PermissionDenied):
        request_reduction(campaign, make_loan("L2", in_town=other_town), town_admin, "理由")


def test_figures_split_per_township_community_and_responsible_person(make_loan, campaign, town, other_town):
    east = testing.community(town, "东村")
    person = testing.user("zhang", Role.COLLECTOR, town=town)
    a = make_loan("L1", "1000.00", community=east, collector=person)
    make_loan("L2", "3000.00", community=east)
    make_loan("L3", "5000.00", in_town=other_town)
    repay(a, dt.date(2026, 4, 1), "500.00")
    by_town = campaign_figures(campaign, AS_OF, group="township")
    assert by_town[town.pk]["task_amount"] == Decimal("4000.00") and by_town[town.pk]["recovery_rate"] == Decimal("12.50")
    assert by_town[other_town.pk]["task_count"] == 1 and by_town[other_town.pk]["collected_count"] == 0
    by_comm = campaign_figures(campaign, AS_OF, group="community")
    assert by_comm[east.pk]["task_count"] == 2 and by_comm[None]["task_count"] == 1
    by_person = campaign_figures(campaign, AS_OF, group="responsible_person")
    assert by_person[person.pk]["collected_amount"] == Decimal("500.00")
    assert summary(campaign, AS_OF, township=other_town)["task_amount"] == "5000.00"


def test_every_breakdown_from_one_statement_equals_each_asked_alone(make_loan, campaign, town, other_town):
    from npl.campaigns.figures import GROUPS, breakdowns

    east = testing.community(town, "东村")
    person = testing.user("zhang", Role.COLLECTOR, town=town)
    a = make_loan("L1", "1000.00", community=east, collector=person)
    b = make_loan("L2", "3000.00", community=east)
    c = make_loan("L3", "5000.00", in_town=other_town, collector=person)
    repay(a, dt.date(2026, 4, 1), "500.00", interest="5.00")
    repay(a, dt.date(2026, 4, 2), "100.00", channel="court")
    repay(b, dt.date(2026, 5, 1), "0.00", interest="7.00")
    repay(c, dt.date(2026, 6, 1), "2500.00")

    together = breakdowns(campaign, AS_OF, tuple(GROUPS))

    for group in GROUPS:
        assert together[group] == campaign_figures(campaign, AS_OF, group=group), group
    total = together[None][None]
    assert (total["task_count"], total["collected_count"], total["collected_amount"]) == (3, 2, Decimal("3100.00"))
    assert total["interest_collected"] == Decimal("12.00") and total["recovery_rate"] == Decimal("34.44")
