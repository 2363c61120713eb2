"""Plans (一笔一策): submitted by the collector, approved by the township admin (maker-checker) → plan_agreed and a
signed-plan agreement the clocks read; instalments paid or missed from confirmed repayments; broken after grace."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from npl import testing
from npl.collection import services
from npl.collection.clocks import add_years, compute_clocks
from npl.collection.models import RepaymentAgreement, RepaymentPlan
from npl.core.models import Setting
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan, LoanEvent

# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")
DAY = dt.timedelta(days=1)
D = Decimal


def submit(loans, who, *, loan_no="LA001", signed=TODAY - 30 * DAY, rows=None, **kw):
    rows = rows or [(TODAY + 10 * DAY, D("1000.00")), (TODAY + 40 * DAY, D("2000.00"))]
    return services.submit_plan(loans[loan_no], who, signed_on=signed, instalments=rows, measures="每月上门一次", **kw)


def approve(plan, who, note=""):
    return services.decide_plan(plan, who, approve=True, note=note)


def pay(loan, on, amount, cast):
    rep = services.record_repayment(loan, cast["collector"], paid_on=on, amount=D(amount))
    return services.review_repayment(rep, cast["branch_staff"], confirm=True)


def status(loan):
    return Loan.objects.get(pk=loan.pk).status


def plan_state(plan):
    plan.refresh_from_db()
    return plan.status, [i.status for i in plan.instalments.order_by("seq")]


def test_approval_moves_the_loan_to_plan_agreed_and_records_the_signed_agreement(loans, cast):
    signed = TODAY - 30 * DAY
    plan = submit(loans, cast["collector"], signed=signed, rows=[(TODAY + 30 * DAY, D("5000.00"))])
    assert status(loans["LA001"]) == LoanStatus.REGISTERED
    approve(plan, cast["township_admin"], "同意")
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.decided_by == cast["township_admin"]
    assert status(loans["LA001"]) == LoanStatus.PLAN_AGREED
    agreement = RepaymentAgreement.objects.get(loan=loans["LA001"])
    assert agreement.kind == "plan" and agreement.signed_on == signed and plan.agreement == agreement
    # LA001's claim lapsed on 2026-03-15: the borrower's own signature on the plan revives it from that day.
    [(_loan, clock)] = compute_clocks(Loan.objects.filter(pk=loans["LA001"].pk), TODAY)
    assert (clock.basis, clock.deadline) == ("revived", add_years(signed, 3))
    fields = list(LoanEvent.objects.filter(loan=loans["LA001"]).order_by("pk").values_list("kind", "field"))
    assert fields[:3] == [("plan", "plan"), ("plan", "plan"), ("status_changed", "status")]


def test_a_signed_plan_before_lapse_interrupts_with_basis_agreement(loans, cast):
    Loan.objects.filter(pk=loans["LA001"].pk).update(maturity_date=TODAY - 400 * DAY)
    signed = TODAY - 30 * DAY
    plan = submit(loans, cast["collector"], signed=signed, rows=[(TODAY + 30 * DAY, D("5000.00"))])
    approve(plan, cast["township_admin"])
    [(_loan, clock)] = compute_clocks(Loan.objects.filter(pk=loans["LA001"].pk), TODAY)
    assert (clock.basis, clock.deadline) == ("agreement", add_years(signed, 3))


def test_a_refused_plan_records_no_agreement_and_leaves_the_state(loans, cast):
    plan = submit(loans, cast["collector"])
    with pytest.raises(ValidationError, match="驳回须填写意见"):
        services.decide_plan(plan, cast["township_admin"], approve=False)
    services.decide_plan(plan, cast["township_admin"], approve=False, note="金额过低")
    assert plan_state(plan)[0] == "refused" and status(loans["LA001"]) == LoanStatus.REGISTERED
    assert not RepaymentAgreement.objects.exists()
    submit(loans, cast["collector"])  # a refused plan makes room for a new one


def test_the_submitter_cannot_approve_their_own_plan(loans, cast, units):
    plan = submit(loans, cast["township_admin"], loan_no="LA002")
    with pytest.raises(ValidationError, match="提交人不能审批自己提交的还款计划"):
        approve(plan, cast["township_admin"])
    colleague = testing.user("liuxi_admin_2", "township_admin", town=units.town_a)
    approve(plan, colleague)
    assert plan_state(plan)[0] == "approved"


@pytest.mark.parametrize("role", ["collector", "branch_staff", "district_admin"])
def test_only_the_township_admin_approves(loans, cast, role):
    plan = submit(loans, cast["collector"])
    with pytest.raises(PermissionDenied):
        approve(plan, cast[role])
    assert plan_state(plan)[0] == "submitted"


def test_a_township_admin_of_another_township_cannot_approve(loans, cast, units):
    plan = submit(loans, cast["collector"])
    other = testing.user("taoyuan_admin", "township_admin", town=units.town_b)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        approve(plan, other)
    r = client_as(other).post(reverse("collection:plan_decide", args=[plan.pk]), {"decision": "approve"})
    assert r.status_code == 404


def client_as(user):
    from django.test import Client

    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_one_active_plan_per_loan(loans, cast):
    submit(loans, cast["collector"])
    with pytest.raises(ValidationError, match="已有待审批或执行中的还款计划"):
        submit(loans, cast["collector"])


def test_a_settled_loan_takes_no_plan(loans, cast):
    Loan.objects.filter(pk=loans["LA001"].pk).update(status=LoanStatus.SETTLED)
    with pytest.raises(ValidationError, match="已结清的贷款不能再登记还款计划"):
        submit(loans, cast["collector"])


@pytest.mark.parametrize(("rows", "message"), [
    ([], "至少要有一期"),
    ([(TODAY + DAY, D("0.00"))], "每期应还金额须大于0"),
    ([(TODAY - 40 * DAY, D("100.00"))], "首期应还日期不能早于借款人签字日期"),
    ([(TODAY + DAY, D("100.00")), (TODAY + DAY, D("100.00"))], "各期应还日期不能重复"),
    ([(TODAY + DAY, D("100000.01"))], "超过应还总额 100000.00 元"),
])
def test_a_plan_that_does_not_add_up_is_refused(loans, cast, rows, message):
    with pytest.raises(ValidationError, match=message):
        services.submit_plan(loans["LA001"], cast["collector"], signed_on=TODAY - 30 * DAY, instalments=rows)


def test_the_people_named_must_belong_to_the_township(loans, cast, units):
    stranger = testing.user("taoyuan_collector", "collector", town=units.town_b)
    with pytest.raises(ValidationError, match="责任人须为柳溪镇的人员"):
        submit(loans, cast["collector"], responsible_person=stranger)


def test_approval_assigns_the_plans_responsible_people(loans, cast, units):
    leader = cast["township_admin"]
    plan = submit(loans, cast["collector"], responsible_leader=leader, responsible_person=cast["collector"])
    colleague = testing.user("liuxi_admin_2", "township_admin", town=units.town_a)
    approve(plan, colleague)
    loan = Loan.objects.get(pk=loans["LA001"].pk)
    assert loan.responsible_leader == leader and loan.responsible_person == cast["collector"]
    assert LoanEvent.objects.filter(loan=loan, kind="assigned", field="responsible_leader").exists()


# --- instalments -------------------------------------------------------------------------------------------


def test_instalments_are_paid_from_confirmed_repayments_in_order(loans, cast):
    plan = submit(loans, cast["collector"], rows=[(TODAY - 20 * DAY, D("1000.00")), (TODAY + 10 * DAY, D("2000.00"))])
    pay(loans["LA001"], TODAY - 25 * DAY, "1000.00", cast)
    approve(plan, cast["township_admin"])
    assert plan_state(plan) == ("approved", ["paid", "due"])
    pay(loans["LA001"], TODAY - DAY, "1500.00", cast)
    assert plan_state(plan) == ("approved", ["paid", "due"])
    pay(loans["LA001"], TODAY, "500.00", cast)
    assert plan_state(plan) == ("completed", ["paid", "paid"])
    assert status(loans["LA001"]) == LoanStatus.PARTLY_REPAID  # the plan is done, the loan is not


def test_a_missed_instalment_is_flagged_and_breaks_the_plan_after_the_grace_days(loans, cast):
    Setting.objects.create(key="plan_grace_days", value="5")
    plan = submit(loans, cast["collector"], rows=[(TODAY + 10 * DAY, D("1000.00")), (TODAY + 40 * DAY, D("1000.00"))])
    approve(plan, cast["township_admin"])
    assert services.sweep(TODAY + 10 * DAY).get("instalments_missed", 0) == 0
    assert services.sweep(TODAY + 11 * DAY)["instalments_missed"] == 1
    assert plan_state(plan) == ("approved", ["missed", "due"]) and status(loans["LA001"]) == LoanStatus.PLAN_AGREED
    assert services.sweep(TODAY + 15 * DAY).get("plans_broken", 0) == 0
    assert services.sweep(TODAY + 16 * DAY)["plans_broken"] == 1
    plan.refresh_from_db()
    assert plan.status == "broken" and plan.broken_on == TODAY + 16 * DAY
    assert status(loans["LA001"]) == LoanStatus.IN_COLLECTION
    broken = LoanEvent.objects.get(loan=loans["LA001"], field="plan", after="broken")
    assert "违约" in broken.note and broken.actor is None
    assert LoanEvent.objects.filter(loan=loans["LA001"], field="status", before="plan_agreed", after="in_collection").exists()
    assert services.sweep(TODAY + 17 * DAY) == {}  # nothing left to judge


def test_a_broken_plan_of_a_loan_with_repayments_goes_back_to_partly_repaid(loans, cast):
    Setting.objects.create(key="plan_grace_days", value="0")
    plan = submit(loans, cast["collector"], rows=[(TODAY - 5 * DAY, D("1000.00")), (TODAY + 30 * DAY, D("1000.00"))])
    pay(loans["LA001"], TODAY - 10 * DAY, "400.00", cast)
    approve(plan, cast["township_admin"])  # already overdue when approved: judged at once
    assert plan_state(plan)[0] == "broken"
    assert status(loans["LA001"]) == LoanStatus.PARTLY_REPAID


# --- pages -------------------------------------------------------------------------------------------------


def test_the_plan_form_submits_a_plan_with_its_instalments(client_for, loans):
    url = reverse("collection:plan_new", args=["LA001"])
    assert client_for("collector").get(url).status_code == 200
    data = {"signed_on": (TODAY - DAY).isoformat(), "measures": "分两期", "inst-TOTAL_FORMS": "6", "inst-INITIAL_FORMS": "0",
            "inst-MIN_NUM_FORMS": "0", "inst-MAX_NUM_FORMS": "60",
            "inst-0-due_on": (TODAY + 30 * DAY).isoformat(), "inst-0-amount": "3000",
            "inst-1-due_on": (TODAY + 60 * DAY).isoformat(), "inst-1-amount": "3000.50"}
    r = client_for("collector").post(url, data)
    assert r.status_code == 302
    plan = RepaymentPlan.objects.get(loan=loans["LA001"])
    assert [(i.seq, i.amount) for i in plan.instalments.order_by("seq")] == [(1, D("3000.00")), (2, D("3000.50"))]
    assert client_for("court_liaison").get(reverse("collection:plan_new", args=["LA002"])).status_code == 403


def test_the_township_queue_lists_plans_to_approve_and_approves_them(client_for, loans, cast):
    plan = submit(loans, cast["collector"])
    r = client_for("township_admin").get(reverse("collection:plan_queue"))
    assert list(r.context["plans"]) == [plan] and "批准" in r.content.decode()
    assert client_for("collector").get(reverse("collection:plan_queue")).status_code == 403
    r = client_for("township_admin").post(reverse("collection:plan_decide", args=[plan.pk]), {"decision": "approve", "next": "queue"})
    assert r.status_code == 302 and plan_state(plan)[0] == "approved"
    assert status(loans["LA001"]) == LoanStatus.PLAN_AGREED
