"""Campaign actions: create a campaign, request and decide task reductions (核减)."""
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from npl.accounts.choices import Role
from npl.campaigns import derive
from npl.campaigns.models import Campaign, TaskReduction
from npl.loans.balances import BALANCE, with_balance
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent


def _is_district_admin(user) -> bool:
    return user is not None and (user.is_superuser or user.role == Role.DISTRICT_ADMIN)


@transaction.atomic
def create_campaign(name: str, baseline: dt.date, *, township=None, ends_on=None, user=None) -> Campaign:
    """Create a campaign whose task is the loans of its scope on the baseline day (district admin)."""
    if user is not None and not _is_district_admin(user):
        raise PermissionDenied("只有区金融办可以创建清收行动")
    name = (name or "").strip()
    if not name:
        raise ValidationError("清收行动名称不能为空")
    district = _district_of(township, user)
    if Campaign.objects.filter(district=district, name=name).exists():
        raise ValidationError(f"清收行动“{name}”已存在")
    if ends_on is not None and ends_on < baseline:
        raise ValidationError("截止日期早于基准日")
    campaign = Campaign.objects.create(name=name, baseline=baseline, township=township, district=district, ends_on=ends_on,
                                       created_by=user)
    derive.store([campaign], None)  # its task at the baseline, stored once: the figures read it (issue 16)
    return campaign


def _district_of(township, user):
    """The campaign's district: its township's, else its maker's, else the installation's only one (never a guess)."""
    from npl.org.models import District

    if township is not None:
        if user is not None and not user.is_superuser and township.district_id != user.district_id:
            raise ValidationError("只能为本区的乡镇创建清收行动")
        return township.district
    if user is not None and user.district_id:
        return user.district
    district = District.single()
    if district is None:
        raise ValidationError("本系统有多个区：请指定清收行动的乡镇范围，或由该区的区金融办创建")
    return district


def _in_task_at_baseline(campaign: Campaign, loan: Loan) -> bool:
    qs = Loan.objects.filter(pk=loan.pk)
    if campaign.district_id:
        qs = qs.filter(township__district_id=campaign.district_id)
    if campaign.township_id:
        qs = qs.filter(township_id=campaign.township_id)
    return with_balance(qs, campaign.baseline).filter(**{f"{BALANCE}__gt": 0}).exists()


@transaction.atomic
def request_reduction(campaign: Campaign, loan: Loan, user, reason: str, evidence=None) -> TaskReduction:
    """A township admin asks to take a loan out of the campaign's task, with reason and evidence."""
    if not (user.role == Role.TOWNSHIP_ADMIN or _is_district_admin(user)):
        raise PermissionDenied("只有乡镇管理员可以申请核减")
    if not Loan.objects.for_user(user).filter(pk=loan.pk).exists():
        raise PermissionDenied("该贷款不在您的管辖范围内")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写核减理由")
    if not _in_task_at_baseline(campaign, loan):
        raise ValidationError("该贷款不在本次清收任务内")
    open_ = TaskReduction.objects.select_for_update().filter(
        campaign=campaign, loan=loan, status__in=[TaskReduction.Status.PENDING, TaskReduction.Status.APPROVED]
    )
    if open_.exists():
        raise ValidationError("该贷款已有待审批或已批准的核减申请")
    red = TaskReduction(campaign=campaign, loan=loan, reason=reason, requested_by=user)
    if evidence is not None:
        red.evidence = evidence
    red.save()
    LoanEvent.objects.create(
        loan=loan, kind=EventKind.REDUCTION, field="reduction", after="pending", actor=user,
        note=f"申请核减（{campaign.name}）：{reason}"[:500], occurred_on=timezone.localdate(),
    )
    return red


@transaction.atomic
def decide_reduction(reduction: TaskReduction, user, approve: bool, note: str = "", on: dt.date | None = None) -> TaskReduction:
    """The district admin approves or refuses a reduction; an approved loan leaves the task from `on`."""
    if not _is_district_admin(user):
        raise PermissionDenied("只有区金融办可以审批核减")
    reduction = TaskReduction.objects.select_for_update().get(pk=reduction.pk)
    if reduction.status != TaskReduction.Status.PENDING:
        raise ValidationError("该申请已审批")
    on = on or timezone.localdate()
    if approve and on < reduction.campaign.baseline:
        raise ValidationError("审批日期早于清收行动基准日")
    reduction.status = TaskReduction.Status.APPROVED if approve else TaskReduction.Status.REFUSED
    reduction.decided_by = user
    reduction.decided_on = on
    reduction.decision_note = (note or "").strip()[:500]
    reduction.save(update_fields=["status", "decided_by", "decided_on", "decision_note"])
    LoanEvent.objects.create(
        loan=reduction.loan, kind=EventKind.REDUCTION, field="reduction", before="pending", after=reduction.status,
        actor=user, occurred_on=on,
        note=f"{'批准' if approve else '驳回'}核减（{reduction.campaign.name}）{('：' + reduction.decision_note) if reduction.decision_note else ''}"[:500],
    )
    return reduction
