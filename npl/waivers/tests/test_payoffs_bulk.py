"""The bulk payoff: many loans at once give exactly what the one-loan payoff gives, in a fixed number of queries."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from npl.categories.engine import loan_categories, loan_categories_many
from npl.collection.models import InterestSuspension
from npl.waivers.choices import RequestStatus
from npl.waivers.payoff import PayoffError, compute_payoff, compute_payoffs
from npl.waivers.services import check_waiver, decide_waiver, request_waiver, void_waiver
from npl.waivers.tests.conftest import SNAPSHOT, on_loan_list, on_roster, repay, version_in_force

D = Decimal


@pytest.fixture
def ruler(db):
    """A version in force since yesterday: a general tier, and a richer one for 低保户."""
    return version_in_force(extra=[{"name": "低保户", "category": "dibao", "penalty_share": 100, "compound_share": 100,
                                    "interest_share": 50}])


def _granted(loan, cast, today):
    """A waiver asked by the collector and approved by the branch (先还后免: nothing waived yet)."""
    req = request_waiver(loan, cast["collector"], deadline=today + dt.timedelta(days=30), reason="亲属凑钱一次性还本")
    return decide_waiver(req, cast["branch_staff"], approve=True)


def _suspend(loan, cast, starts_on, until):
    return InterestSuspension.objects.create(loan=loan, starts_on=starts_on, until=until, reason="服刑期间停息挂账",
                                             started_by=cast["township_admin"])


@pytest.fixture
def mixed(make_loan, cast, today, ruler):
    """Loans that exercise every branch of the payoff: each on its own, and all at once."""
    fixed = {"rate": None, "maturity": SNAPSHOT, "on": "1000", "off": "2000", "penalty": "3000", "compound": "400",
             "collector": cast["collector"]}
    made = {
        "plain": make_loan("M1", maturity=dt.date(2026, 6, 30), on="500"),
        "dibao": make_loan("M2", maturity=dt.date(2026, 5, 31)),
        "listed": make_loan("M3", classification="substandard", off="700"),
        "suspended": make_loan("M4", penalty="80"),
        "repaid": make_loan("M5", on="900"),
        "approved": make_loan("M6", **fixed),
        "applied": make_loan("M7", **fixed),
        "voided": make_loan("M8", **fixed),
        "no_rate": make_loan("M9", rate=None, on="300"),
    }
    on_roster(made["dibao"], "dibao")
    on_loan_list(made["listed"], "impersonated")
    _suspend(made["suspended"], cast, dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    repay(made["repaid"], SNAPSHOT, principal="1000")  # inside the bank's figures: counted once, not again
    repay(made["repaid"], dt.date(2026, 5, 20), principal="20000", interest="900")
    repay(made["repaid"], dt.date(2026, 9, 1), principal="5000", interest="100", costs="0")
    _granted(made["approved"], cast, today)
    applied = _granted(made["applied"], cast, today)
    repay(made["applied"], today, principal="100000", interest="3000")
    assert check_waiver(applied).status == RequestStatus.APPLIED
    voided = _granted(made["voided"], cast, today)
    repay(made["voided"], today, principal="100000", interest="3000")
    check_waiver(voided)
    void_waiver(voided, cast["district_admin"], reason="借款人未按协议归还剩余款项")
    for loan in made.values():
        loan.refresh_from_db()
    return made


def test_the_bulk_payoff_equals_the_payoff_of_each_loan_for_a_mixed_set(mixed, today):
    loans = list(mixed.values())
    each = {loan.pk: compute_payoff(loan, today) for loan in loans}
    # chunks of 4 across 9 loans: a loan's facts never leak into a neighbour's, in a chunk or across chunks
    assert compute_payoffs(loans, today, chunk=4) == each
    assert compute_payoffs(loans, today) == each
    states = {name: each[loan.pk].waiver_state for name, loan in mixed.items()}
    assert states == {"plain": "offer", "dibao": "offer", "listed": "offer", "suspended": "offer", "repaid": "offer",
                      "approved": "approved", "applied": "applied", "voided": "voided", "no_rate": "offer"}


def test_in_the_bulk_payoff_each_loan_keeps_its_own_category_repayments_and_suspension(mixed, today):
    p = compute_payoffs(list(mixed.values()), today)
    assert "低保户" in p[mixed["dibao"].pk].policy and "一般户" in p[mixed["plain"].pk].policy
    # 100000 less the 20000 and 5000 repaid after the snapshot; the 1000 on the snapshot day is inside it
    assert p[mixed["repaid"].pk].principal == D("75000.00")
    assert any("流水" in line for line in p[mixed["repaid"].pk].lines)
    assert not any("流水" in line for line in p[mixed["plain"].pk].lines)
    assert any(line.startswith("停息挂账：共92天不计息") for line in p[mixed["suspended"].pk].lines)
    assert not any(line.startswith("停息挂账") for line in p[mixed["plain"].pk].lines)
    assert (p[mixed["applied"].pk].to_pay, p[mixed["voided"].pk].to_pay) == (D("0.00"), D("3400.00"))


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_bulk_payoff_reads_the_database_as_often_for_eight_loans_as_for_two(make_loan, cast, today, ruler):
    loans = []
    for i in range(8):
        loan = make_loan(f"Q{i}", maturity=dt.date(2026, 6, 30))
        repay(loan, dt.date(2026, 5, 1), principal="1000", interest="10")
        _suspend(loan, cast, dt.date(2026, 7, 1), dt.date(2026, 7, 31))
        if i % 2:
            on_roster(loan, "dibao")
        loan.refresh_from_db()
        loans.append(loan)
    two = _queries(lambda: compute_payoffs(loans[:2], today))
    eight = _queries(lambda: compute_payoffs(loans, today))
    assert two == eight
    assert _queries(lambda: [compute_payoff(loan, today) for loan in loans]) == 8 * _queries(
        lambda: compute_payoff(loans[0], today))


def test_the_bulk_payoff_refuses_naming_the_first_loan_it_cannot_compute(make_loan):
    early = make_loan("E1", as_of=dt.date(2026, 3, 31))
    late = make_loan("E2", as_of=dt.date(2026, 5, 31))
    with pytest.raises(PayoffError, match="早于银行最新数据日期 2026-05-31"):
        compute_payoffs([early, late], dt.date(2026, 4, 30))
    assert compute_payoffs([early], dt.date(2026, 4, 30))[early.pk].principal == D("100000.00")


def test_categories_of_many_loans_are_those_of_each_loan(make_loan):
    a, b, c = make_loan("C1"), make_loan("C2"), make_loan("C3", as_of=dt.date(2026, 12, 31))
    on_roster(a, "dibao")
    on_loan_list(b, "bank_staff")
    day = dt.date(2026, 4, 30)
    many = loan_categories_many([a.pk, b.pk, c.pk], day)
    assert many == {a.pk: loan_categories(a, day), b.pk: loan_categories(b, day), c.pk: []}
    assert [code for code, _ in many[a.pk]] == ["special_household", "dibao"]
    assert [code for code, _ in many[b.pk]] == ["impersonated_or_staff", "bank_staff"]
