"""Refinancing steps: the township asks (with its agreement recorded), the loan's branch receives,
checks documents, approves or refuses and disburses; the township may withdraw while it is open.

Each step is one transaction: role and unit checked, the request's version compared (a form posts the
version it showed), a RefinanceStep with actor and time, and an event on the loan's timeline.
`at` defaults to now; tests and back-filled history pass it, and it never runs backwards.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core import derived
from npl.core.money import AmountError, fmt_yuan, parse_yuan
from npl.loans.choices import EventKind, LoanStatus
from npl.loans.models import Loan, LoanEvent
from npl.refinance.choices import BRANCH_STEPS, OPEN_STEPS, Kind, Step
from npl.refinance.models import RefinanceRequest, RefinanceStep

# The loan timeline's own kind once loans.choices.EventKind has one; until then a note with field "refinance".
EVENT_KIND = getattr(EventKind, "REFINANCE", EventKind.NOTE)


class StaleRequest(ValidationError):
    """The request changed since the form was shown."""

    def __init__(self):
        super().__init__("该申请已被他人办理，请刷新页面后重新操作")


def may_request(user) -> bool:
    return user is not None and (user.is_superuser or user.role == Role.TOWNSHIP_ADMIN)


def may_process(user, req: RefinanceRequest) -> bool:
    """Branch staff of the branch that holds the loan (or a superuser)."""
    if user is None:
        return False
    return user.is_superuser or (user.role == Role.BRANCH_STAFF and user.branch_id is not None and user.branch_id == req.branch_id)


def may_withdraw(user, req: RefinanceRequest) -> bool:
    if user is None:
        return False
    return user.is_superuser or (user.role == Role.TOWNSHIP_ADMIN and user.township_id == req.township_id)


def _when(at: dt.datetime | None, after: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError("办理时间不能晚于当前时间")
    if after is not None and at < after:
        raise ValidationError("办理时间不能早于上一步骤的时间")
    return at


def _event(req: RefinanceRequest, user, before, after: str, at: dt.datetime, note: str) -> LoanEvent:
    return LoanEvent.objects.create(
        loan_id=req.loan_id, kind=EVENT_KIND, field="refinance", before=before, after=after, actor=user,
        occurred_on=timezone.localdate(at), at=at, note=note[:500],
    )


@derived.deferred()
def request_refinance(
    loan: Loan, user, *, kind: str, reason: str, township_agreed: bool, amount=None, at: dt.datetime | None = None,
) -> RefinanceRequest:
    """The township asks the loan's branch to refinance it, recording the township's agreement on the platform."""
    if not may_request(user):
        raise PermissionDenied("只有乡镇管理员可以提出借新还旧/转贷申请")
    if not Loan.objects.for_user(user).filter(pk=loan.pk).exists():
        raise PermissionDenied("该贷款不在您的管辖范围内")
    if kind not in Kind.values:
        raise ValidationError("请选择申请类型（借新还旧或转贷）")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写申请理由")
    if not township_agreed:
        raise ValidationError("请确认乡镇同意：平台记录的同意意见代替纸质盖章")
    if loan.status in (LoanStatus.SETTLED, LoanStatus.WRITTEN_OFF):
        raise ValidationError(f"该贷款{loan.get_status_display()}，不能申请{Kind(kind).label}")
    try:
        amount = parse_yuan(amount) if amount not in (None, "") else None
    except AmountError as exc:
        raise ValidationError(f"申请金额：{exc}") from exc
    if amount is not None and amount <= 0:
        raise ValidationError("申请金额必须大于零")
    if RefinanceRequest.objects.filter(loan=loan, status__in=OPEN_STEPS).exists():
        raise ValidationError("该贷款已有办理中的申请")
    at = _when(at, None)
    try:
        with derived.deferred():
            req = RefinanceRequest.objects.create(
                loan=loan, kind=kind, township_id=loan.township_id, branch_id=loan.branch_id, amount=amount, reason=reason[:500],
                township_agreed=True, agreed_by=user, agreed_at=at, requested_by=user, requested_at=at,
            )
    except IntegrityError as exc:  # another request for this loan was opened a moment ago
        raise ValidationError("该贷款已有办理中的申请") from exc
    RefinanceStep.objects.create(request=req, step=Step.REQUESTED, at=at, actor=user, note="乡镇同意（平台记录）")
    money = f"，金额 {fmt_yuan(amount)} 元" if amount is not None else ""
    _event(req, user, None, Step.REQUESTED, at, f"乡镇申请{req.get_kind_display()}（办理网点：{loan.branch.name}{money}）：{reason}")
    return req


def _locked(req: RefinanceRequest, user, expected_version) -> RefinanceRequest:
    fresh = RefinanceRequest.objects.select_for_update().select_related("loan", "branch").filter(pk=req.pk).first()
    if fresh is None or not RefinanceRequest.objects.for_user(user).filter(pk=req.pk).exists():
        raise PermissionDenied("该申请不在您的管辖范围内")
    if expected_version not in (None, "") and int(expected_version) != fresh.version:
        raise StaleRequest()
    return fresh


def _advance(req: RefinanceRequest, user, step: str, at: dt.datetime, note: str, **fields) -> RefinanceStep:
    before = req.status
    last = req.steps.order_by("-at", "-pk").values_list("at", flat=True).first()
    at = _when(at, last)
    updates = {"status": step, **fields}
    if step not in OPEN_STEPS:
        updates["closed_at"] = at
    if step == Step.DISBURSED:
        updates["disbursed_at"] = at
    done = RefinanceRequest.objects.filter(pk=req.pk, version=req.version).update(version=req.version + 1, **updates)
    if done != 1:
        raise StaleRequest()
    for k, v in updates.items():
        setattr(req, k, v)
    req.version += 1
    row = RefinanceStep.objects.create(request=req, step=step, at=at, actor=user, note=(note or "").strip()[:300])
    text = f"{req.get_kind_display()}申请：{Step(step).label}"
    if fields.get("new_loan_no"):
        text += f"，新借据号 {fields['new_loan_no']}"
    if note and note.strip():
        text += f"（{note.strip()}）"
    _event(req, user, before, step, at, text)
    return row


@derived.deferred()
def take_step(
    req: RefinanceRequest, user, step: str, *, note: str = "", new_loan_no: str = "", at: dt.datetime | None = None,
    payoff_txn_no: str = "", payoff_amount=None, expected_version=None,
) -> RefinanceStep:
    """A branch step (受理, 资料齐全, 审批通过/未通过, 放款) by staff of the loan's branch.

    At 放款 the branch may give the bank's transaction that repaid the old loan (number and amount): it is
    booked at once as a confirmed repayment with channel `refinance` (collection.post_bank_repayment,
    which also releases the old guarantors). Without it the bank's flow brings that repayment later;
    the same transaction number keeps the two from counting twice.
    """
    if step not in BRANCH_STEPS:
        raise ValidationError(f"未知步骤：{step}")
    req = _locked(req, user, expected_version)
    if not may_process(user, req):
        raise PermissionDenied(f"只有{req.branch.name}的网点人员可以办理该申请")
    if req.status not in BRANCH_STEPS[step]:
        raise ValidationError(f"申请当前为“{req.get_status_display()}”，不能办理“{Step(step).label}”")
    fields = {}
    if step == Step.REFUSED and not (note or "").strip():
        raise ValidationError("请填写不予通过的理由")
    if step == Step.DISBURSED:
        new_loan_no = (new_loan_no or "").strip()
        if not new_loan_no:
            raise ValidationError("请填写新借据号")
        if new_loan_no == req.loan.loan_no:
            raise ValidationError("新借据号不能与原借据号相同")
        fields["new_loan_no"] = new_loan_no
    payoff_txn_no = (payoff_txn_no or "").strip()
    if step != Step.DISBURSED and (payoff_txn_no or payoff_amount not in (None, "")):
        raise ValidationError("还旧流水只在放款时登记")
    amount = _payoff_amount(payoff_txn_no, payoff_amount)
    row = _advance(req, user, step, at, note, **fields)
    if amount is not None:
        from npl.collection.choices import Channel
        from npl.collection.services import post_bank_repayment

        post_bank_repayment(
            req.loan, user, txn_no=payoff_txn_no, paid_on=timezone.localdate(row.at), amount=amount,
            channel=Channel.REFINANCE, new_loan_no=req.new_loan_no, note=f"{req.get_kind_display()}申请（编号{req.pk}）放款还旧",
        )
    return row


def _payoff_amount(txn_no: str, value):
    """The old loan's payoff at disbursement: both the transaction number and the amount, or neither."""
    try:
        amount = parse_yuan(value) if value not in (None, "") else None
    except AmountError as exc:
        raise ValidationError(f"还旧金额：{exc}") from exc
    if bool(txn_no) != (amount is not None):
        raise ValidationError("还旧交易流水号和还旧金额须同时填写")
    if amount is not None and amount <= 0:
        raise ValidationError("还旧金额必须大于零")
    return amount


@derived.deferred()
def withdraw(req: RefinanceRequest, user, *, note: str = "", at: dt.datetime | None = None, expected_version=None) -> RefinanceStep:
    """The township withdraws its request before disbursement."""
    req = _locked(req, user, expected_version)
    if not may_withdraw(user, req):
        raise PermissionDenied("只有申请乡镇的管理员可以撤回申请")
    if not req.is_open:
        raise ValidationError(f"申请已“{req.get_status_display()}”，不能撤回")
    return _advance(req, user, Step.WITHDRAWN, at, note)


def next_steps(req: RefinanceRequest) -> list[str]:
    """The branch steps open from the request's current step, in order."""
    return [s for s, sources in BRANCH_STEPS.items() if req.status in sources]
