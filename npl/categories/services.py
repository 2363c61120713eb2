"""Category actions: manual add/remove requested by a township admin and decided by the district admin,
and the large-mortgage threshold (a Setting whose history is kept so past days keep their figures)."""
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from npl.accounts.choices import Role
from npl.categories.choices import ALL_CODES, NAMES
from npl.categories.models import ManualMembership, ThresholdChange
from npl.core import derived, tenancy
from npl.core.models import Setting
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent

THRESHOLD_KEY = "large_mortgage_threshold"
THRESHOLD = "threshold"  # its kind of per-district settings (npl.core.tenancy)


def is_district_admin(user) -> bool:
    return user is not None and user.is_authenticated and (user.is_superuser or user.role == Role.DISTRICT_ADMIN)


def may_request(user) -> bool:
    return user is not None and user.is_authenticated and (user.role == Role.TOWNSHIP_ADMIN or is_district_admin(user))


@derived.deferred()
def request_membership(loan: Loan, code: str, op: str, user, reason: str) -> ManualMembership:
    """A township admin asks to add a loan to a category (or remove it), with a reason."""
    if not may_request(user):
        raise PermissionDenied("只有乡镇管理员可以申请调整类别")
    if not Loan.objects.for_user(user).filter(pk=loan.pk).exists():
        raise PermissionDenied("该贷款不在您的管辖范围内")
    if code not in ALL_CODES:
        raise ValidationError(f"未知类别：{code}")
    if op not in ManualMembership.Op.values:
        raise ValidationError("操作只能是加入或移出")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写理由")
    if ManualMembership.objects.filter(loan=loan, code=code, status=ManualMembership.Status.PENDING).exists():
        raise ValidationError("该贷款此类别已有待审批的申请")
    m = ManualMembership.objects.create(loan=loan, code=code, op=op, reason=reason[:500], requested_by=user)
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.CATEGORY, field=code, after=f"{op}:pending", actor=user, occurred_on=timezone.localdate(),
        note=f"申请{m.get_op_display()}“{NAMES[code]}”：{reason}"[:500],
    )
    return m


@derived.deferred()
def decide_membership(m: ManualMembership, user, approve: bool, note: str = "", on: dt.date | None = None) -> ManualMembership:
    """The district admin decides; an approved change holds from its approval day and ends any earlier
    manual decision on the same loan and category (the newest decision is the one in force)."""
    if not is_district_admin(user):
        raise PermissionDenied("只有区金融办可以审批类别调整")
    m = ManualMembership.objects.select_for_update().get(pk=m.pk)
    if m.status != ManualMembership.Status.PENDING:
        raise ValidationError("该申请已审批")
    on = on or timezone.localdate()
    m.status = ManualMembership.Status.APPROVED if approve else ManualMembership.Status.REFUSED
    m.decided_by = user
    m.decided_at = timezone.now()
    m.decision_note = (note or "").strip()[:500]
    if approve:
        m.valid_from = on
        ManualMembership.objects.filter(
            loan_id=m.loan_id, code=m.code, status=ManualMembership.Status.APPROVED, valid_to__isnull=True
        ).exclude(pk=m.pk).update(valid_to=on)
    m.save()
    LoanEvent.objects.create(
        loan_id=m.loan_id, kind=EventKind.CATEGORY, field=m.code, before=f"{m.op}:pending", after=f"{m.op}:{m.status}",
        actor=user, occurred_on=on,
        note=f"{'批准' if approve else '驳回'}{m.get_op_display()}“{NAMES[m.code]}”{('：' + m.decision_note) if m.decision_note else ''}"[:500],
    )
    return m


@derived.deferred()
def end_membership(m: ManualMembership, user, on: dt.date | None = None) -> ManualMembership:
    """The district admin withdraws an approved manual decision from a day on (history is kept)."""
    if not is_district_admin(user):
        raise PermissionDenied("只有区金融办可以撤销类别调整")
    m = ManualMembership.objects.select_for_update().get(pk=m.pk)
    on = on or timezone.localdate()
    if m.status != ManualMembership.Status.APPROVED or m.valid_to is not None:
        raise ValidationError("只能撤销正在生效的调整")
    if on < m.valid_from:
        raise ValidationError("撤销日期早于生效日期")
    m.valid_to = on
    m.save(update_fields=["valid_to"])
    LoanEvent.objects.create(
        loan_id=m.loan_id, kind=EventKind.CATEGORY, field=m.code, before=f"{m.op}:approved", after=f"{m.op}:ended",
        actor=user, occurred_on=on, note=f"撤销{m.get_op_display()}“{NAMES[m.code]}”",
    )
    return m


def threshold_on(day: dt.date, district_id: int | None = None) -> Decimal:
    """The large-mortgage threshold in force on `day` for a district (its own, or the province default's —
    npl.core.tenancy; None: the default's)."""
    return threshold_of(tenancy.owner(THRESHOLD, district_id), day)


def threshold_of(owner_id: int | None, day: dt.date) -> Decimal:
    """One owner's threshold on `day`: the value before its first change after `day`, else its current one."""
    later = ThresholdChange.objects.filter(valid_from__gt=day, **tenancy.of_owner(owner_id)).order_by("valid_from", "pk").first()
    if later is not None:
        return later.previous
    return _current(owner_id)


def _current(owner_id: int | None) -> Decimal:
    """The default's live Setting; a district's latest change (adopting writes one: copy_threshold)."""
    if owner_id is not None:
        latest = ThresholdChange.objects.filter(district_id=owner_id).order_by("-valid_from", "-pk").first()
        if latest is not None:
            return latest.value
    return Setting.get_decimal(THRESHOLD_KEY)


def own_thresholds(day: dt.date) -> dict[int, Decimal]:
    """district id → its own threshold on `day`, for the districts that keep their own (the engine's bulk form)."""
    return {d: threshold_of(d, day) for d in sorted(tenancy.own_districts(THRESHOLD))}


def copy_threshold(district_id: int, user=None) -> None:
    """Adopting (npl.core.tenancy): the default's history becomes the district's; with no history, a base row
    (ThresholdChange.BASE_DAY) holds the default's current value, so a later change of the default does not reach
    the district."""
    rows = [ThresholdChange(district_id=district_id, valid_from=c.valid_from, value=c.value, previous=c.previous, set_by=c.set_by)
            for c in ThresholdChange.objects.filter(district__isnull=True).order_by("valid_from", "pk")]
    if not rows:
        current = _current(None)
        rows = [ThresholdChange(district_id=district_id, valid_from=ThresholdChange.BASE_DAY, value=current, previous=current, set_by=user)]
    ThresholdChange.objects.bulk_create(rows)


def clear_threshold(district_id: int) -> None:
    """Restoring the default: the district's own threshold history goes."""
    ThresholdChange.objects.filter(district_id=district_id).delete()


@derived.deferred()
def set_threshold(value, user, on: dt.date | None = None) -> ThresholdChange:
    """Set the 大额抵押 threshold (元) from `on` (today), earlier days keeping the old one: a district admin their
    district's own (the first change adopts it), the 省金融办 the province default."""
    tenancy.editing_district(user, THRESHOLD)
    try:
        value = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError("门槛必须是金额") from exc
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError("门槛必须是大于0、最多两位小数的金额")
    on = on or timezone.localdate()
    owner = tenancy.ensure_own(user, THRESHOLD)
    if ThresholdChange.objects.filter(valid_from__gt=on, **tenancy.of_owner(owner)).exists():
        raise ValidationError("已有更晚生效的门槛设置")
    previous = _current(owner)
    if owner is None:
        Setting.objects.update_or_create(
            key=THRESHOLD_KEY, defaults={"value": f"{value:.2f}", "description": Setting.DEFAULTS[THRESHOLD_KEY][1]}
        )
    change = ThresholdChange.objects.create(district_id=owner, valid_from=on, value=value, previous=previous, set_by=user)
    tenancy.changed(THRESHOLD, owner, has_mortgage=True)  # only a mortgaged loan's membership can move
    return change
