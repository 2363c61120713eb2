"""Litigation actions: file a case, advance its stages, record the judgment, enforcement money and 失信.

Each is one transaction that checks role, scope and state, writes a LoanEvent (kind litigation) and
returns what it made. Who may do what (DOMAIN.md, 'Who uses it'):
- a township admin, the district admin or branch staff register a case the bank files (file_case);
- only the court liaison moves a case through the court's stages, records the judgment and the money
  enforcement brought in, and marks a debtor as listed on the court's 失信 list;
- the bank side (branch staff, township or district admin) or the court liaison records that a listing
  was requested.
Cases carry a version: a form posts the version it showed and a stale one is refused (StaleCase),
so two people acting on one case at once cannot both win.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core import derived
from npl.core.money import AmountError, fmt_yuan, parse_yuan
from npl.litigation import stages as rules
from npl.litigation.choices import ENFORCEMENT_STAGES, Direction, Listing, Stage
from npl.litigation.models import CaseStage, EnforcementRecovery, LitigationCase
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent

FILERS = {Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN, Role.BRANCH_STAFF}
LISTING_REQUESTERS = {Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN, Role.BRANCH_STAFF, Role.COURT_LIAISON}
# Case fields a stage fills in when they are still empty (the importer fills the same ones).
STAGE_DATE_FIELDS = {Stage.FILED: "filed_on", Stage.ACCEPTED: "accepted_on", Stage.JUDGED: "judgment_on",
                     Stage.MEDIATED: "judgment_on", Stage.ENFORCING: "enforcement_filed_on"}


class StaleCase(ValidationError):
    """The case changed since the form was shown: someone else acted first."""

    def __init__(self):
        super().__init__("该案件已被他人更新，请刷新页面后重新操作")


def is_court(user) -> bool:
    return user is not None and (user.is_superuser or user.role == Role.COURT_LIAISON)


def may_file(user) -> bool:
    return user is not None and (user.is_superuser or user.role in FILERS)


def may_request_listing(user) -> bool:
    return user is not None and (user.is_superuser or user.role in LISTING_REQUESTERS)


def _require_court(user, what: str) -> None:
    if not is_court(user):
        raise PermissionDenied(f"只有区法院联络人可以{what}")


def _locked(case: LitigationCase, user, expected_version) -> LitigationCase:
    """The case as it is now, row-locked for this transaction, after the scope and version checks."""
    fresh = LitigationCase.objects.select_for_update().filter(pk=case.pk).first()
    if fresh is None or not LitigationCase.objects.for_user(user).filter(pk=case.pk).exists():
        raise PermissionDenied("该案件不在您的管辖范围内")
    if expected_version not in (None, "") and int(expected_version) != fresh.version:
        raise StaleCase()
    return fresh


def _save(case: LitigationCase, fields: list[str]) -> None:
    """Write `fields` only if nobody changed the case since it was read; bump the version."""
    old = case.version
    done = LitigationCase.objects.filter(pk=case.pk, version=old).update(
        version=old + 1, **{f: getattr(case, f) for f in fields}
    )
    if done != 1:
        raise StaleCase()
    case.version = old + 1


def _event(case: LitigationCase, user, field: str, before, after, on: dt.date, note: str) -> LoanEvent:
    return LoanEvent.objects.create(
        loan_id=case.loan_id, kind=EventKind.LITIGATION, field=field, before=before, after=after,
        occurred_on=on, actor=user, note=note[:500],
    )


def _amount(value, what: str) -> Decimal:
    try:
        amount = parse_yuan(value)
    except AmountError as exc:
        raise ValidationError(f"{what}：{exc}") from exc
    if amount is None or amount <= 0:
        raise ValidationError(f"{what}必须大于零")
    return amount


def _not_future(on: dt.date, what: str) -> None:
    if on is None:
        raise ValidationError(f"请填写{what}")
    if on > timezone.localdate():
        raise ValidationError(f"{what}不能晚于今天")


@derived.deferred()
def file_case(loan: Loan, user, *, direction: str, case_no: str, filed_on: dt.date, court: str = "", note: str = "") -> LitigationCase:
    """Register a suit about a loan (起诉) with its first dated stage; counts as 涉诉 from filed_on."""
    if not may_file(user):
        raise PermissionDenied("只有乡镇管理员、区金融办或网点人员可以登记起诉")
    if not Loan.objects.for_user(user).filter(pk=loan.pk).exists():
        raise PermissionDenied("该贷款不在您的管辖范围内")
    case_no = (case_no or "").strip()
    if not case_no:
        raise ValidationError("请填写案号")
    if direction not in Direction.values:
        raise ValidationError("请选择诉讼类型")
    _not_future(filed_on, "起诉日期")
    if LitigationCase.objects.filter(loan=loan, case_no=case_no).exists():
        raise ValidationError(f"该贷款已登记案号为“{case_no}”的案件")
    try:
        with derived.deferred():
            case = LitigationCase.objects.create(
                loan=loan, direction=direction, case_no=case_no, court=(court or "").strip(), filed_on=filed_on,
                counted_from=filed_on, stage=Stage.FILED, filed_by=user,
            )
    except IntegrityError as exc:  # the same case registered by someone else a moment ago
        raise ValidationError(f"该贷款已登记案号为“{case_no}”的案件") from exc
    CaseStage.objects.create(case=case, stage=Stage.FILED, on=filed_on, note=(note or "").strip()[:300], actor=user)
    _event(case, user, "case", None, {"case_no": case_no, "direction": direction, "stage": Stage.FILED}, filed_on,
           f"登记涉诉案件 {case_no}（{case.get_direction_display()}）{('：' + note.strip()) if note and note.strip() else ''}")
    return case


def case_history(case: LitigationCase) -> tuple[list[str], dt.date | None]:
    """(stages reached, date of the latest stage) from the case's dated stage rows."""
    rows = list(case.stages.values_list("stage", "on"))
    return [s for s, _ in rows], max((on for _, on in rows), default=None)


def has_judgment(case: LitigationCase) -> bool:
    """A judgment or mediation exists (dated, or a judgment-or-later stage reached)."""
    history, _ = case_history(case)
    return rules.has_judgment(case.stage, history, case.judgment_on)


def in_enforcement(case: LitigationCase) -> bool:
    """The case has reached enforcement (now or earlier), or carries an enforcement case number."""
    history, _ = case_history(case)
    return bool(case.enforcement_case_no) or bool({case.stage, *history} & set(ENFORCEMENT_STAGES))


@derived.deferred()
def advance_stage(
    case: LitigationCase, user, *, stage: str, on: dt.date, note: str = "", enforcement_case_no: str = "",
    expected_version=None,
) -> CaseStage:
    """Move a case to its next court stage on a date (court liaison only); guards in stages.refusal."""
    _require_court(user, "变更诉讼阶段")
    case = _locked(case, user, expected_version)
    if on is None:
        raise ValidationError("请填写阶段日期")
    history, last_on = case_history(case)
    # An imported case may carry dates without stage rows: none of its known dates may be overtaken.
    known = [last_on, case.filed_on, case.accepted_on, case.judgment_on, case.enforcement_filed_on]
    last_on = max((d for d in known if d is not None), default=None)
    reason = rules.refusal(case.stage, stage, on, last_on=last_on, today=timezone.localdate(), history=history,
                           judgment_on=case.judgment_on)
    if reason:
        raise ValidationError(reason)
    enforcement_case_no = (enforcement_case_no or "").strip()
    before = case.stage
    case.stage = stage
    fields = ["stage"]
    date_field = STAGE_DATE_FIELDS.get(stage)
    if date_field and getattr(case, date_field) is None:
        setattr(case, date_field, on)
        fields.append(date_field)
    if stage == Stage.ENFORCING and enforcement_case_no and enforcement_case_no != case.enforcement_case_no:
        case.enforcement_case_no = enforcement_case_no
        fields.append("enforcement_case_no")
    _save(case, fields)
    row = CaseStage.objects.create(case=case, stage=stage, on=on, note=(note or "").strip()[:300], actor=user)
    text = f"案件 {case.case_no}：{rules.label(before)} → {rules.label(stage)}"
    if "enforcement_case_no" in fields:
        text += f"（执行案号 {case.enforcement_case_no}）"
    if note and note.strip():
        text += f"：{note.strip()}"
    _event(case, user, "stage", before, stage, on, text)
    return row


@derived.deferred()
def record_judgment(
    case: LitigationCase, user, *, amount, performance_due: dt.date | None = None, judgment_on: dt.date | None = None,
    expected_version=None,
) -> LitigationCase:
    """The judgment or mediation's figures: amount awarded and the end of the performance period (court only)."""
    _require_court(user, "登记判决结果")
    case = _locked(case, user, expected_version)
    if not has_judgment(case):
        raise ValidationError("请先将案件阶段登记为“判决”或“调解”")
    amount = _amount(amount, "判决金额")
    judged = judgment_on or case.judgment_on
    if judgment_on is not None:
        _not_future(judgment_on, "判决日期")
    if judged is None:
        raise ValidationError("请填写判决日期")
    if case.filed_on and judged < case.filed_on:
        raise ValidationError("判决日期不能早于起诉日期")
    if performance_due is not None and performance_due < judged:
        raise ValidationError("履行期限届满日不能早于判决日期")
    before = {"judgment_amount": fmt_yuan(case.judgment_amount) if case.judgment_amount is not None else None,
              "judgment_on": str(case.judgment_on) if case.judgment_on else None,
              "performance_due": str(case.performance_due) if case.performance_due else None}
    case.judgment_amount, case.judgment_on = amount, judged
    if performance_due is not None:
        case.performance_due = performance_due
    _save(case, ["judgment_amount", "judgment_on", "performance_due"])
    after = {"judgment_amount": fmt_yuan(amount), "judgment_on": str(judged),
             "performance_due": str(case.performance_due) if case.performance_due else None}
    due = f"，履行期限至 {case.performance_due:%Y-%m-%d}" if case.performance_due else ""
    _event(case, user, "judgment", before, after, judged, f"案件 {case.case_no} 判决/调解金额 {fmt_yuan(amount)} 元{due}")
    return case


@derived.deferred()
def record_enforcement_recovery(
    case: LitigationCase, user, *, amount, on: dt.date, txn_no: str = "", note: str = "", expected_version=None,
) -> EnforcementRecovery:
    """Money the court's enforcement brought in (执行到位), added to the case's total (court only).

    Not a Repayment: the bank's flow (or the collector's record confirmed by the branch) brings the
    same money as a repayment with channel `court`; txn_no names it so the two can be matched.
    """
    _require_court(user, "登记执行到位金额")
    case = _locked(case, user, expected_version)
    if case.direction != Direction.BANK_SUED_BORROWER:
        raise ValidationError("只有银行起诉借款人的案件才有执行到位金额")
    if not in_enforcement(case):
        raise ValidationError("案件尚未进入执行阶段")
    amount = _amount(amount, "执行到位金额")
    _not_future(on, "到位日期")
    started = case.stages.filter(stage__in=ENFORCEMENT_STAGES).order_by("on").values_list("on", flat=True).first()
    started = started or case.enforcement_filed_on
    if started and on < started:
        raise ValidationError(f"到位日期不能早于执行开始日期（{started:%Y-%m-%d}）")
    before = case.enforcement_recovered
    case.enforcement_recovered = before + amount
    _save(case, ["enforcement_recovered"])
    row = EnforcementRecovery.objects.create(
        case=case, on=on, amount=amount, txn_no=(txn_no or "").strip()[:64], note=(note or "").strip()[:300], actor=user
    )
    _event(case, user, "enforcement_recovered", fmt_yuan(before), fmt_yuan(case.enforcement_recovered), on,
           f"案件 {case.case_no} 执行到位 {fmt_yuan(amount)} 元，累计 {fmt_yuan(case.enforcement_recovered)} 元"
           + (f"（流水号 {row.txn_no}）" if row.txn_no else ""))
    return row


def _listing_guard(case: LitigationCase) -> None:
    if case.direction != Direction.BANK_SUED_BORROWER:
        raise ValidationError("只有银行起诉借款人的案件才能申请将被执行人纳入失信名单")
    if case.stage == Stage.CLOSED:
        raise ValidationError("案件已结案")
    if case.stage not in ENFORCEMENT_STAGES:
        raise ValidationError("失信被执行人名单由法院在执行阶段决定：案件尚未进入执行阶段")


@derived.deferred()
def request_dishonest_listing(case: LitigationCase, user, *, on: dt.date, note: str = "", expected_version=None) -> LitigationCase:
    """Record that the bank asked the court to list the debtor as 失信被执行人 (the court decides)."""
    if not may_request_listing(user):
        raise PermissionDenied("您的角色不能申请纳入失信名单")
    case = _locked(case, user, expected_version)
    _listing_guard(case)
    if case.dishonest_listing:
        raise ValidationError(f"失信名单状态已是“{case.get_dishonest_listing_display()}”")
    _not_future(on, "申请日期")
    case.dishonest_listing, case.dishonest_requested_on = Listing.REQUESTED, on
    _save(case, ["dishonest_listing", "dishonest_requested_on"])
    _event(case, user, "dishonest_listing", None, Listing.REQUESTED, on,
           f"案件 {case.case_no} 已申请将被执行人纳入失信名单{('：' + note.strip()) if note and note.strip() else ''}")
    return case


@derived.deferred()
def mark_dishonest_listed(case: LitigationCase, user, *, on: dt.date, note: str = "", expected_version=None) -> LitigationCase:
    """The court listed the debtor as 失信被执行人 (court liaison only; the platform never publishes names)."""
    _require_court(user, "登记纳入失信名单")
    case = _locked(case, user, expected_version)
    _listing_guard(case)
    if case.dishonest_listing == Listing.LISTED:
        raise ValidationError("被执行人已纳入失信名单")
    _not_future(on, "纳入日期")
    if case.dishonest_requested_on and on < case.dishonest_requested_on:
        raise ValidationError("纳入日期不能早于申请日期")
    before = case.dishonest_listing or None
    case.dishonest_listing, case.dishonest_listed_on = Listing.LISTED, on
    _save(case, ["dishonest_listing", "dishonest_listed_on"])
    _event(case, user, "dishonest_listing", before, Listing.LISTED, on,
           f"案件 {case.case_no} 被执行人已被法院纳入失信名单{('：' + note.strip()) if note and note.strip() else ''}")
    return case
