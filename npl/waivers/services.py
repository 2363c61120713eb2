"""Waiver services: requests (maker), decisions (checker, by amount), 先还后免 application, voiding, the sweep,
and the district admin's edits of the policy table.

Each service runs in one transaction, checks role, scope and state, and writes a LoanEvent (kind 减免) for
everything that happens to a loan. A policy version that is already in force is never edited (history is
not rewritten): the district admin makes a new version with a later date.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core import derived, tenancy
from npl.core.money import fmt_yuan
from npl.loans import workflow
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent
from npl.waivers.choices import (
    CHECKERS,
    MAKERS,
    PENALTY_MARKUP_KEY,
    RepayMode,
    RequestStatus,
)
from npl.waivers.models import POLICY, PolicyTier, PolicyVersion, WaiverRequest
from npl.waivers.payoff import compute_payoff, waiver_basis
from npl.waivers.policy import offer, tier_label

ROLE_LABEL = dict(Role.choices)


def _today() -> dt.date:
    return timezone.localdate()


def _event(loan_id: int, *, field: str, before=None, after=None, note: str, on: dt.date, actor=None) -> LoanEvent:
    return LoanEvent.objects.create(loan_id=loan_id, kind=EventKind.WAIVER, field=field, before=before, after=after,
                                    note=note[:500], occurred_on=on, actor=actor)


def _role(user) -> str:
    return workflow.role_of(user)


def _require_role(user, roles, what: str) -> None:
    role = _role(user)
    if role not in roles:
        raise PermissionDenied(f"您的角色（{ROLE_LABEL.get(role, '无角色')}）无权{what}")


# --- requests and decisions ---------------------------------------------------------------------------


def request_waiver(loan: Loan, user, *, deadline: dt.date, reason: str, mode: str = RepayMode.LUMP_SUM,
                   agreed_amount: Decimal | None = None, plan=None, exclude_from_kpi: bool = False) -> WaiverRequest:
    """减免申请: the collector or township asks for the tier the ruler gives the loan today (先还后免)."""
    today = _today()
    with derived.deferred():
        _require_role(user, MAKERS, "提出减免申请")
        workflow.check_scope(loan, user)
        loan = workflow.lock(loan)
        if WaiverRequest.objects.filter(loan=loan).open().exists():
            raise ValidationError("该贷款已有待审批或待还款的减免申请", code="open")
        if not (reason or "").strip():
            raise ValidationError({"reason": "请填写申请理由"})
        payoff = compute_payoff(loan, today)
        if payoff.waiver_state != "offer":
            raise ValidationError(f"该贷款目前没有可适用的减免档次：{payoff.rule or payoff.policy}", code="no_tier")
        tier = _tier_of(payoff, loan)
        if mode not in RepayMode.values:
            raise ValidationError({"mode": "还款方式无效"})
        if mode == RepayMode.INSTALMENTS and tier.mode != RepayMode.INSTALMENTS:
            raise ValidationError({"mode": f"“{tier.name}”档要求一次性归还，不能分期"})
        if deadline < today:
            raise ValidationError({"deadline": "约定还款期限不能早于今天"})
        if deadline > tier.repay_by:
            raise ValidationError({"deadline": f"约定还款期限不能晚于本档次的期限 {tier.repay_by:%Y-%m-%d}"})
        agreed = payoff.to_pay if agreed_amount is None else agreed_amount
        if agreed < payoff.principal:
            raise ValidationError({"agreed_amount": f"约定还款金额不能少于本金余额 {fmt_yuan(payoff.principal)} 元（条件是还清全部本金）"})
        if plan is not None:
            from npl.collection.choices import PlanStatus

            if plan.loan_id != loan.pk or plan.status not in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
                raise ValidationError({"plan": "只能关联本贷款待审批或执行中的还款计划"})
        req = WaiverRequest.objects.create(
            loan=loan, tier=tier, as_of=today, est_penalty=payoff.waivable_penalty, est_compound=payoff.waivable_compound,
            est_interest=payoff.waivable_interest, est_total=payoff.waivable, agreed_amount=agreed, deadline=deadline,
            mode=mode, plan=plan, reason=reason.strip()[:500], exclude_from_kpi=exclude_from_kpi, made_by=user,
        )
        _event(loan.pk, field="waiver_requested", after={"request": req.pk, "tier": tier_label(tier), "waivable": fmt_yuan(req.est_total)},
               note=f"提出减免申请#{req.pk}：{tier_label(tier)}，测算减免 {fmt_yuan(req.est_total)} 元，"
                    f"约定 {deadline:%Y-%m-%d} 前还款 {fmt_yuan(agreed)} 元", on=today, actor=user)
    return req


def _tier_of(payoff, loan) -> PolicyTier:
    """The tier a payoff's offer came from (its label is unique within the version in force in the loan's district)."""
    version = PolicyVersion.in_force(payoff.as_of, loan.township.district_id)
    for tier in version.tiers.select_related("version"):
        if tier_label(tier) == payoff.policy:
            return tier
    raise ValidationError("减免档次已变更，请重新测算")  # pragma: no cover - the payoff read the same table


def required_role(req: WaiverRequest) -> str:
    """Who may approve: branch staff up to the version's limit, the district admin above it (and always)."""
    return Role.BRANCH_STAFF if req.est_total <= req.tier.version.branch_limit else Role.DISTRICT_ADMIN


def approval_text(req: WaiverRequest) -> str:
    limit = fmt_yuan(req.tier.version.branch_limit)
    if required_role(req) == Role.BRANCH_STAFF:
        return f"减免 {fmt_yuan(req.est_total)} 元，未超过 {limit} 元，网点或区金融办可审批"
    return f"减免 {fmt_yuan(req.est_total)} 元，超过 {limit} 元，须区金融办审批"


def may_decide(req: WaiverRequest, user) -> str:
    """'' if `user` may decide this request now, else why not (Chinese)."""
    role = _role(user)
    if user is not None and req.made_by_id == user.pk:
        return "不能审批自己提出的减免申请"
    if role not in CHECKERS:
        return f"您的角色（{ROLE_LABEL.get(role, '无角色')}）无权审批减免"
    if req.status != RequestStatus.SUBMITTED:
        return f"该申请{req.get_status_display()}，不能再审批"
    if role == Role.BRANCH_STAFF and required_role(req) != Role.BRANCH_STAFF:
        return approval_text(req)
    if not Loan.objects.for_user(user).filter(pk=req.loan_id).exists():
        return "该贷款不在您的管辖范围内"
    return ""


def decide_waiver(req: WaiverRequest, user, *, approve: bool, note: str = "") -> WaiverRequest:
    """Approve or refuse a request (maker-checker, never one's own); approval waives nothing yet (先还后免)."""
    today = _today()
    with derived.deferred():
        workflow.lock(req.loan_id)
        req = WaiverRequest.objects.select_for_update(of=("self",)).select_related("tier__version").get(pk=req.pk)
        why = may_decide(req, user)
        if why:
            raise PermissionDenied(why)
        if not approve and not note.strip():
            raise ValidationError({"note": "退回须写明理由"})
        before = req.status
        req.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
        req.decided_by, req.decided_at, req.decision_note = user, timezone.now(), note.strip()[:300]
        req.approved_on = today if approve else None
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "approved_on"])
        verdict = "批准" if approve else "退回"
        _event(req.loan_id, field="waiver_decided", before=before, after=req.status,
               note=f"减免申请#{req.pk}已{verdict}" + (f"：{req.decision_note}" if req.decision_note else "")
               + ("（还款达到约定金额后生效）" if approve else ""), on=today, actor=user)
        if approve:
            _check(req, today, actor=user)
    return req


# --- 先还后免: application and voiding ------------------------------------------------------------------


def paid_since_approval(req: WaiverRequest, upto: dt.date) -> list[tuple[dt.date, Decimal]]:
    """(day, cumulative amount) of confirmed repayments from the approval day up to `upto`."""
    from npl.collection.models import Repayment

    rows = (Repayment.objects.filter(loan_id=req.loan_id, confirmed=True, paid_on__gte=req.approved_on, paid_on__lte=upto)
            .order_by("paid_on", "pk").values_list("paid_on", "principal", "interest", "costs"))
    out, running = [], Decimal("0.00")
    for on, principal, interest, costs in rows:
        running += principal + interest + costs
        out.append((on, running))
    return out


def _check(req: WaiverRequest, today: dt.date, *, actor=None) -> str:
    """Apply an approved request whose agreed repayment is reached, void it if broken; the outcome's status."""
    if req.status != RequestStatus.APPROVED:
        return req.status
    reached = next((on for on, total in paid_since_approval(req, min(today, req.deadline)) if total >= req.agreed_amount), None)
    if reached is not None:
        _apply(req, reached, actor=actor)
    elif today > req.deadline:
        _void(req, today, f"约定期限{req.deadline:%Y-%m-%d}已过，还款未达约定金额", actor=actor)
    elif req.plan_id is not None:
        from npl.collection.choices import PlanStatus

        req.plan.refresh_from_db(fields=["status", "broken_on"])
        if req.plan.status in (PlanStatus.BROKEN, PlanStatus.REFUSED):
            _void(req, req.plan.broken_on or today, f"关联的还款计划{req.plan.get_status_display()}", actor=actor)
    return req.status


def _apply(req: WaiverRequest, on: dt.date, *, actor=None) -> None:
    """Fix the waiver once, on `on` (the day the agreed repayment is reached): the tier's shares of the figures
    as they stood on the day of the first repayment counted towards the agreement, before it.

    Not the figures left after those repayments: they have already paid interest (and, without the reserve in
    collection.services.allocate, penalty first), so shares of what is left would waive too little. With the
    figures before them, paying the quoted `to_pay` on the quote day clears the interest claim: paid + waived.
    """
    figures = waiver_basis(req, on)
    o = offer(req.tier, figures)
    req.status, req.applied_on = RequestStatus.APPLIED, on
    req.waived_penalty, req.waived_compound = o.penalty, o.compound
    req.waived_interest_on, req.waived_interest_off = o.interest_on, o.interest_off
    req.save(update_fields=["status", "applied_on", "waived_penalty", "waived_compound", "waived_interest_on",
                            "waived_interest_off"])
    _event(req.loan_id, field="waiver_applied", before=RequestStatus.APPROVED.value, after=req.status,
           note=f"减免申请#{req.pk}生效：约定还款已于{on:%Y-%m-%d}归还，按{figures.as_of:%Y-%m-%d}还款前的欠息减免罚息 "
                f"{fmt_yuan(o.penalty)} 元、复利 {fmt_yuan(o.compound)} 元、利息 {fmt_yuan(o.interest)} 元，"
                f"合计 {fmt_yuan(o.total)} 元", on=on, actor=actor)


def _void(req: WaiverRequest, on: dt.date, reason: str, *, actor=None) -> None:
    before = req.status
    req.status, req.voided_on, req.void_reason, req.voided_by = RequestStatus.VOIDED, on, reason[:300], actor
    req.save(update_fields=["status", "voided_on", "void_reason", "voided_by"])
    _event(req.loan_id, field="waiver_voided", before=before, after=req.status,
           note=f"减免申请#{req.pk}作废（{reason}），利息恢复", on=on, actor=actor)


def check_waiver(req: WaiverRequest, *, today: dt.date | None = None, actor=None) -> WaiverRequest:
    """On demand: apply the request if its agreed repayment is reached, void it if the deadline or plan broke."""
    today = today or _today()
    with derived.deferred():
        workflow.lock(req.loan_id)
        req = WaiverRequest.objects.select_for_update(of=("self",)).select_related("tier__version", "loan", "plan").get(pk=req.pk)
        _check(req, today, actor=actor)
    return req


def void_waiver(req: WaiverRequest, user, *, reason: str, on: dt.date | None = None) -> WaiverRequest:
    """借款人违约: a checker voids an approved or applied waiver; the interest is owed again from the next payoff."""
    on = on or _today()
    with derived.deferred():
        _require_role(user, CHECKERS, "作废减免")
        workflow.check_scope(req.loan, user)
        workflow.lock(req.loan_id)
        req = WaiverRequest.objects.select_for_update().get(pk=req.pk)
        if req.status not in (RequestStatus.APPROVED, RequestStatus.APPLIED):
            raise ValidationError(f"该申请{req.get_status_display()}，不能作废")
        if not (reason or "").strip():
            raise ValidationError({"reason": "请写明作废原因（借款人如何违约）"})
        _void(req, on, reason.strip(), actor=user)
    return req


def sweep_waivers(today: dt.date | None = None) -> dict[str, int]:
    """Daily (for the lead's sweep): every approved request is applied, voided, or left waiting. Safe to rerun."""
    today = today or _today()
    counts = {"applied": 0, "voided": 0, "waiting": 0}
    for pk in WaiverRequest.objects.filter(status=RequestStatus.APPROVED).values_list("pk", flat=True):
        req = check_waiver(WaiverRequest.objects.get(pk=pk), today=today)
        key = {RequestStatus.APPLIED: "applied", RequestStatus.VOIDED: "voided"}.get(req.status, "waiting")
        counts[key] += 1
    return counts


def kpi_excluded_loan_ids() -> set[int]:
    """Loans whose waiver marked 不计入考核 stands today (the campaign figures leave them out)."""
    return set(WaiverRequest.objects.kpi_excluded_on(_today()).values_list("loan_id", flat=True))


def waived_between(start: dt.date, end: dt.date) -> Decimal:
    """Interest waived by applied requests in [start, end] (for bulletins: shown beside collection, never in it)."""
    row = WaiverRequest.objects.filter(status=RequestStatus.APPLIED, applied_on__gte=start, applied_on__lte=end).aggregate(
        p=Sum("waived_penalty"), c=Sum("waived_compound"), i=Sum("waived_interest_on"), o=Sum("waived_interest_off"))
    return sum((v or Decimal("0.00") for v in row.values()), Decimal("0.00"))


# --- the policy table (district admin) ------------------------------------------------------------------


def _require_editable(version: PolicyVersion) -> None:
    if version.effective_from <= _today():
        raise ValidationError(f"“{version.name}”已于{version.effective_from:%Y-%m-%d}生效，不能修改；请新建版本")


def _require_own(user, version: PolicyVersion) -> None:
    """A version is changed only by whoever edits its owner: the district's admin, or the 省金融办 for the default."""
    editing = tenancy.editing_district(user, POLICY)
    if version.district_id != editing:
        if version.district_id is None:
            raise ValidationError("这是省级默认的减免政策，本区不能修改；请先“采用本区设置”，再修改本区的版本")
        raise PermissionDenied("不能修改其他区县的减免政策")


def create_version(user, *, name: str, effective_from: dt.date, branch_limit: Decimal, note: str = "",
                   copy_from: PolicyVersion | None = None, reoffer_after_void: bool = False) -> PolicyVersion:
    """A new policy version from a future date, its tiers copied from another version to be edited: a district
    admin's in their district's own policy (the first one adopts it, copying the default), the 省金融办's in the
    province default."""
    with derived.deferred():
        tenancy.editing_district(user, POLICY)
        if effective_from <= _today():
            raise ValidationError({"effective_from": "新版本的生效日期须晚于今天（已生效的政策不能改写）"})
        owner = tenancy.ensure_own(user, POLICY)
        mine = PolicyVersion.objects.filter(**tenancy.of_owner(owner))
        if mine.filter(effective_from=effective_from).exists():
            raise ValidationError({"effective_from": f"{effective_from:%Y-%m-%d} 已有生效的版本"})
        if mine.filter(name=name.strip()).exists():
            raise ValidationError({"name": f"版本名称“{name}”已存在"})
        if branch_limit is None or branch_limit < 0:
            raise ValidationError({"branch_limit": "网点审批上限须为非负金额"})
        if copy_from is not None and copy_from.district_id != owner:
            # Chosen from the default's versions before this first edit adopted them: its copy in the district.
            copy_from = mine.filter(name=copy_from.name).first() if copy_from.district_id is None else None
            if copy_from is None:
                raise ValidationError({"copy_from": "只能复制本区的政策版本"})
        version = PolicyVersion.objects.create(district_id=owner, name=name.strip(), effective_from=effective_from,
                                               branch_limit=branch_limit, note=note.strip(), created_by=user,
                                               reoffer_after_void=reoffer_after_void)
        if copy_from is not None:
            for t in copy_from.tiers.all():
                t.pk, t.version = None, version
                t.save()
    return version


def copy_policy(district_id: int, user=None) -> None:
    """Adopting (npl.core.tenancy): every version of the default, with its tiers, becomes the district's own."""
    for v in PolicyVersion.objects.filter(district__isnull=True).prefetch_related("tiers"):
        tiers = list(v.tiers.all())
        v.pk, v.district_id = None, district_id
        v.save()
        for t in tiers:
            t.pk, t.version = None, v
        PolicyTier.objects.bulk_create(tiers)


def clear_policy(district_id: int) -> None:
    """Restoring the default: the district's versions go — unless a waiver request was made under one of them."""
    if WaiverRequest.objects.filter(tier__version__district_id=district_id).exists():
        raise ValidationError("本区的减免政策已有减免申请按其办理，不能恢复省级默认；如需同省里一致，请按省级默认新建本区版本")
    PolicyVersion.objects.filter(district_id=district_id).delete()


TIER_FIELDS = ("name", "category", "priority", "penalty_share", "compound_share", "interest_share", "mode", "repay_by",
               "max_instalments", "note")


def save_tier(user, version: PolicyVersion, values: dict, tier: PolicyTier | None = None) -> PolicyTier:
    """Add or change a tier of a version that is not yet in force."""
    from npl.categories.choices import ALL_CODES

    with derived.deferred():
        _require_own(user, version)
        _require_editable(version)
        if values.get("category") and values["category"] not in ALL_CODES:
            raise ValidationError({"category": "适用类别无效"})
        if values["repay_by"] < version.effective_from:
            raise ValidationError({"repay_by": "本金还清期限不能早于版本生效日期"})
        tier = tier or PolicyTier(version=version)
        if tier.version_id != version.pk:
            raise ValidationError("档次不属于该版本")
        for f in TIER_FIELDS:
            setattr(tier, f, values[f])
        tier.full_clean()
        tier.save()
    return tier


def delete_tier(user, tier: PolicyTier) -> None:
    """Remove a tier from a version that is not yet in force."""
    with derived.deferred():
        _require_own(user, tier.version)
        _require_editable(tier.version)
        tier.delete()


def set_penalty_markup(user, percent: Decimal):
    """罚息上浮比例 (%), a Setting row the accrual reads (applies to every payoff computed after it)."""
    from npl.core.models import Setting

    with derived.deferred():
        _require_role(user, {Role.DISTRICT_ADMIN}, "设置罚息上浮比例")
        if percent is None or percent < 0 or percent > 100:
            raise ValidationError({"percent": "罚息上浮比例须在0至100之间"})
        row, _ = Setting.objects.update_or_create(key=PENALTY_MARKUP_KEY, defaults={
            "value": f"{percent.normalize():f}", "description": "罚息利率在合同利率基础上的上浮比例（%）"})
    return row
