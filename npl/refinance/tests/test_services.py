"""Refinancing steps: the township asks with its agreement, the loan's branch processes, each step timed."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl.loans.models import LoanEvent
from npl.refinance import services
from npl.refinance.models import RefinanceRequest, RefinanceStep
from npl.refinance.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(loans, cast):
    """柳溪镇 asks 柳溪支行 to renew LA001 on 2026-03-02 09:00."""
    return services.request_refinance(loans["LA001"], cast["township_admin"], kind="renew", reason="借款人经营正常，申请借新还旧",
                                      township_agreed=True, amount="100000", at=at("2026-03-02", "09:00"))


def run(req, user, *steps):
    for step, when, *extra in steps:
        services.take_step(req, user, step, at=at(*when), new_loan_no=extra[0] if extra else "")
    req.refresh_from_db()
    return req


def test_a_request_records_the_townships_agreement_with_who_and_when(asked, cast):
    assert asked.township_agreed and asked.agreed_by == cast["township_admin"] and asked.agreed_at == at("2026-03-02", "09:00")
    assert (asked.status, asked.amount, asked.branch.name, asked.township.name) == ("requested", Decimal("100000.00"), "柳溪支行", "柳溪镇")
    step = asked.steps.get()
    assert (step.step, step.actor, step.at) == ("requested", cast["township_admin"], at("2026-03-02", "09:00"))
    ev = LoanEvent.objects.get(loan=asked.loan, field="refinance")
    assert ev.after == "requested" and "乡镇申请借新还旧" in ev.note and ev.actor == cast["township_admin"]


def test_the_branch_takes_each_step_in_order_each_timed_and_on_the_loans_timeline(asked, cast):
    staff = cast["branch_staff"]
    req = run(asked, staff, ("received", ("2026-03-02", "10:00")), ("documents_complete", ("2026-03-03", "11:00")),
              ("approved", ("2026-03-04", "09:00")), ("disbursed", ("2026-03-04", "15:30"), "LA001-N"))
    assert (req.status, req.new_loan_no, req.disbursed_at, req.closed_at) == ("disbursed", "LA001-N", at("2026-03-04", "15:30"), at("2026-03-04", "15:30"))
    assert list(req.steps.values_list("step", flat=True)) == ["requested", "received", "documents_complete", "approved", "disbursed"]
    assert set(req.steps.exclude(step="requested").values_list("actor__username", flat=True)) == {staff.username}
    timeline = list(LoanEvent.objects.filter(loan=req.loan, field="refinance").order_by("at").values_list("after", flat=True))
    assert timeline == ["requested", "received", "documents_complete", "approved", "disbursed"]


def test_a_step_out_of_order_is_refused_with_the_current_step_named(asked, cast):
    with pytest.raises(ValidationError, match="申请当前为“乡镇申请”，不能办理“审批通过”"):
        services.take_step(asked, cast["branch_staff"], "approved")


def test_refusal_needs_a_reason_and_disbursement_a_new_loan_number(asked, cast):
    staff = cast["branch_staff"]
    run(asked, staff, ("received", ("2026-03-02", "10:00")))
    with pytest.raises(ValidationError, match="请填写不予通过的理由"):
        services.take_step(asked, staff, "refused")
    run(asked, staff, ("documents_complete", ("2026-03-02", "11:00")), ("approved", ("2026-03-02", "12:00")))
    with pytest.raises(ValidationError, match="请填写新借据号"):
        services.take_step(asked, staff, "disbursed")
    with pytest.raises(ValidationError, match="不能与原借据号相同"):
        services.take_step(asked, staff, "disbursed", new_loan_no="LA001")


def test_a_step_cannot_be_timed_before_the_previous_one_or_in_the_future(asked, cast):
    with pytest.raises(ValidationError, match="不能早于上一步骤"):
        services.take_step(asked, cast["branch_staff"], "received", at=at("2026-03-02", "08:59"))
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        services.take_step(asked, cast["branch_staff"], "received", at=at("2099-01-01"))


@pytest.mark.parametrize("role", ["district_admin", "district_leader", "collector", "branch_staff", "court_liaison", "outsider"])
def test_only_a_township_admin_asks(loans, cast, role):
    with pytest.raises(PermissionDenied, match="只有乡镇管理员"):
        services.request_refinance(loans["LA001"], cast[role], kind="renew", reason="x", township_agreed=True)
    assert not RefinanceRequest.objects.exists()


def test_a_township_admin_asks_only_for_loans_of_its_township(loans, cast):
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.request_refinance(loans["LB001"], cast["township_admin"], kind="transfer", reason="x", township_agreed=True)


def test_no_request_without_the_townships_agreement(loans, cast):
    with pytest.raises(ValidationError, match="请确认乡镇同意"):
        services.request_refinance(loans["LA001"], cast["township_admin"], kind="renew", reason="x", township_agreed=False)


def test_one_open_request_per_loan_and_a_new_one_after_it_ends(asked, loans, cast):
    with pytest.raises(ValidationError, match="已有办理中的申请"):
        services.request_refinance(loans["LA001"], cast["township_admin"], kind="transfer", reason="again", township_agreed=True)
    services.withdraw(asked, cast["township_admin"], note="借款人自行筹款")
    again = services.request_refinance(loans["LA001"], cast["township_admin"], kind="transfer", reason="again", township_agreed=True)
    assert again.status == "requested"


@pytest.mark.parametrize("role", ["township_admin", "district_admin", "collector"])
def test_only_staff_of_the_loans_branch_process_it(asked, cast, role):
    with pytest.raises(PermissionDenied):
        services.take_step(asked, cast[role], "received")
    assert asked.steps.count() == 1


def test_staff_of_another_branch_cannot_process_a_request(asked, village_staff):
    with pytest.raises(PermissionDenied):
        services.take_step(asked, village_staff, "received")


def test_the_township_withdraws_while_open_but_not_after_disbursement(asked, cast):
    with pytest.raises(PermissionDenied):
        services.withdraw(asked, cast["branch_staff"])
    run(asked, cast["branch_staff"], ("received", ("2026-03-02", "10:00")), ("documents_complete", ("2026-03-02", "11:00")),
        ("approved", ("2026-03-02", "12:00")), ("disbursed", ("2026-03-02", "13:00"), "N1"))
    with pytest.raises(ValidationError, match="不能撤回"):
        services.withdraw(asked, cast["township_admin"])


def test_a_stale_form_loses(asked, cast):
    shown = asked.version
    services.take_step(asked, cast["branch_staff"], "received", expected_version=shown)
    with pytest.raises(services.StaleRequest):
        services.take_step(asked, cast["branch_staff"], "documents_complete", expected_version=shown)
    assert RefinanceStep.objects.filter(request=asked).count() == 2


def approved(req, staff):
    return run(req, staff, ("received", ("2026-03-02", "10:00")), ("documents_complete", ("2026-03-02", "11:00")),
               ("approved", ("2026-03-02", "12:00")))


def test_disbursement_with_the_payoff_transaction_books_the_old_loans_repayment_and_frees_its_guarantor(asked, cast):
    from npl.collection.models import Repayment
    from npl.loans.models import Guarantor

    old_guarantor = Guarantor.objects.create(loan=asked.loan, name="钱七")
    staff = cast["branch_staff"]
    approved(asked, staff)
    services.take_step(asked, staff, "disbursed", new_loan_no="LA001-N", payoff_txn_no="RF-1", payoff_amount="100000.00",
                       at=at("2026-03-02", "15:00"))
    rep = Repayment.objects.get(txn_no="RF-1")
    assert (rep.loan, rep.channel, rep.confirmed, rep.new_loan_no) == (asked.loan, "refinance", True, "LA001-N")
    assert rep.principal + rep.interest + rep.costs == Decimal("100000.00")
    old_guarantor.refresh_from_db()
    assert old_guarantor.released_on is not None


def test_a_payoff_needs_both_number_and_amount_and_a_refused_booking_saves_no_step(asked, cast):
    staff = cast["branch_staff"]
    approved(asked, staff)
    with pytest.raises(ValidationError, match="须同时填写"):
        services.take_step(asked, staff, "disbursed", new_loan_no="N", payoff_txn_no="RF-2")
    with pytest.raises(ValidationError):
        services.take_step(asked, staff, "disbursed", new_loan_no="N", payoff_txn_no="RF-2", payoff_amount="99999999")
    asked.refresh_from_db()
    assert asked.status == "approved" and not asked.steps.filter(step="disbursed").exists()
