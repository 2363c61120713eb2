"""Waiver requests: maker-checker by amount, 先还后免, voided with the interest restored, KPI exclusion."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl import testing
from npl.loans.choices import EventKind
from npl.loans.models import LoanEvent
from npl.waivers.choices import RequestStatus
from npl.waivers.payoff import compute_payoff
from npl.waivers.services import (
    check_waiver,
    decide_waiver,
    kpi_excluded_loan_ids,
    request_waiver,
    sweep_waivers,
    void_waiver,
)
from npl.waivers.tests.conftest import SNAPSHOT, repay, version_in_force

D = Decimal


@pytest.fixture
def ruler(db):
    """A version in force since yesterday: any loan repaying its principal within a year gets penalty and compound off."""
    return version_in_force()


@pytest.fixture
def loan(make_loan, cast, ruler):
    """100000 principal, 表内 1000, 表外 2000, 罚息 3000, 复利 400, no rate (nothing accrues): 106400 owed, 3400 waivable."""
    return make_loan("W1", rate=None, maturity=SNAPSHOT, on="1000", off="2000", penalty="3000", compound="400",
                     collector=cast["collector"])


def _ask(loan, cast, today, **kw):
    return request_waiver(loan, cast["collector"], deadline=kw.pop("deadline", today + dt.timedelta(days=30)),
                          reason="低收入，亲属凑钱一次性还本", **kw)


def test_a_request_records_the_tier_and_the_agreed_repayment(loan, cast, today):
    req = _ask(loan, cast, today)
    assert (req.est_total, req.agreed_amount, req.tier.name, req.status) == (D("3400.00"), D("103000.00"), "一般户",
                                                                             RequestStatus.SUBMITTED)
    assert LoanEvent.objects.filter(loan=loan, kind=EventKind.WAIVER, field="waiver_requested").count() == 1
    with pytest.raises(ValidationError, match="已有待审批"):
        _ask(loan, cast, today)


def test_only_collectors_and_townships_may_ask_and_only_for_loans_in_their_scope(loan, cast, today, units):
    with pytest.raises(PermissionDenied, match="无权提出减免申请"):
        request_waiver(loan, cast["branch_staff"], deadline=today, reason="x")
    other = testing.user("taoyuan_collector", "collector", town=units.town_b)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        request_waiver(loan, other, deadline=today, reason="x")


def test_a_waiver_cannot_be_approved_by_its_maker(loan, cast, today):
    req = _ask(loan, cast, today)
    with pytest.raises(PermissionDenied, match="不能审批自己提出的减免申请"):
        decide_waiver(req, cast["collector"], approve=True)
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_branch_staff_approve_up_to_the_limit_and_the_district_above_it(loan, cast, today, ruler, units):
    ruler.branch_limit = D("3000.00")
    ruler.save()
    req = _ask(loan, cast, today)
    with pytest.raises(PermissionDenied, match="超过 3000.00 元，须区金融办审批"):
        decide_waiver(req, cast["branch_staff"], approve=True)
    other_branch = testing.user("taoyuan_branch", "branch_staff", branch_=units.branch_b)
    with pytest.raises(PermissionDenied):
        decide_waiver(req, other_branch, approve=True)
    assert decide_waiver(req, cast["district_admin"], approve=True).status == RequestStatus.APPROVED


def test_a_branch_outside_the_loan_cannot_approve_even_a_small_waiver(loan, cast, today, units):
    req = _ask(loan, cast, today)
    other_branch = testing.user("taoyuan_branch", "branch_staff", branch_=units.branch_b)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        decide_waiver(req, other_branch, approve=True)
    assert decide_waiver(req, cast["branch_staff"], approve=True).status == RequestStatus.APPROVED


def test_a_refusal_needs_a_reason(loan, cast, today):
    req = _ask(loan, cast, today)
    with pytest.raises(ValidationError, match="退回须写明理由"):
        decide_waiver(req, cast["branch_staff"], approve=False)
    assert decide_waiver(req, cast["branch_staff"], approve=False, note="材料不全").status == RequestStatus.REFUSED


def test_approval_waives_nothing_until_the_agreed_repayment_then_the_payoff_shows_it_waived(loan, cast, today):
    req = decide_waiver(_ask(loan, cast, today), cast["branch_staff"], approve=True)
    waiting = compute_payoff(loan, today)
    assert (waiting.waiver_state, waiting.waivable) == ("approved", D("3400.00"))
    repay(loan, today, principal="100000", interest="2000")  # 1000 short of the agreed 103000
    assert check_waiver(req).status == RequestStatus.APPROVED
    repay(loan, today, interest="1000")
    req = check_waiver(req)
    assert (req.status, req.applied_on, req.waived_total) == (RequestStatus.APPLIED, today, D("3400.00"))
    p = compute_payoff(loan, today)
    # principal and interest repaid; penalty 3000 and compound 400 remain on the books and are waived
    assert (p.principal, p.interest, p.penalty, p.compound) == (D("0.00"), D("0.00"), D("3000.00"), D("400.00"))
    assert (p.waiver_state, p.waivable, p.to_pay) == ("applied", D("3400.00"), D("0.00"))


def test_a_voided_waiver_restores_the_interest_in_the_next_payoff(loan, cast, today):
    req = decide_waiver(_ask(loan, cast, today), cast["branch_staff"], approve=True)
    repay(loan, today, principal="100000", interest="3000")
    assert check_waiver(req).status == RequestStatus.APPLIED
    assert compute_payoff(loan, today).to_pay == D("0.00")
    void_waiver(req, cast["district_admin"], reason="借款人未按协议归还剩余款项")
    p = compute_payoff(loan, today)
    assert (p.penalty, p.compound, p.waivable, p.to_pay) == (D("3000.00"), D("400.00"), D("0.00"), D("3400.00"))
    assert p.waiver_state == "voided" and "利息恢复" in p.rule
    assert LoanEvent.objects.filter(loan=loan, kind=EventKind.WAIVER, field="waiver_voided").exists()


def test_the_sweep_voids_an_approved_waiver_whose_deadline_passed_unpaid(loan, cast, today):
    req = decide_waiver(_ask(loan, cast, today, deadline=today), cast["branch_staff"], approve=True)
    assert sweep_waivers(today) == {"applied": 0, "voided": 0, "waiting": 1}
    after = today + dt.timedelta(days=1)
    assert sweep_waivers(after) == {"applied": 0, "voided": 1, "waiting": 0}
    req.refresh_from_db()
    assert (req.status, req.voided_on) == (RequestStatus.VOIDED, after)
    p = compute_payoff(loan, after)
    assert (p.waivable, p.to_pay) == (D("0.00"), D("106400.00"))


def test_a_waiver_marked_so_is_left_out_of_kpi_figures_while_it_stands(loan, cast, today):
    req = _ask(loan, cast, today, exclude_from_kpi=True)
    assert kpi_excluded_loan_ids() == set()
    decide_waiver(req, cast["branch_staff"], approve=True)
    assert kpi_excluded_loan_ids() == {loan.pk}
    void_waiver(req, cast["branch_staff"], reason="借款人违约")
    assert kpi_excluded_loan_ids() == set()


def test_a_broken_linked_plan_voids_the_waiver(loan, cast, today):
    from npl.collection.choices import PlanStatus
    from npl.collection.models import RepaymentPlan

    plan = RepaymentPlan.objects.create(loan=loan, signed_on=today, submitted_by=cast["collector"], status=PlanStatus.APPROVED)
    req = decide_waiver(_ask(loan, cast, today, plan=plan), cast["branch_staff"], approve=True)
    assert check_waiver(req).status == RequestStatus.APPROVED
    RepaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.BROKEN, broken_on=today)
    req = check_waiver(req)
    assert (req.status, req.voided_on) == (RequestStatus.VOIDED, today)
    assert "还款计划已违约" in req.void_reason
    assert compute_payoff(loan, today).to_pay == D("106400.00")


def test_a_plan_of_another_loan_cannot_be_linked(loan, make_loan, cast, today):
    from npl.collection.models import RepaymentPlan

    other = make_loan("W2")
    plan = RepaymentPlan.objects.create(loan=other, signed_on=today, submitted_by=cast["collector"])
    with pytest.raises(ValidationError, match="只能关联本贷款"):
        _ask(loan, cast, today, plan=plan)
