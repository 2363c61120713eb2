"""Revealing sensitive data: a deliberate act, allowed to some roles only, and always logged."""
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from npl.core.models import AuditLog

audit = logging.getLogger("npl.audit")
# A reveal is logged with its reason; one character (or spaces) says nothing an auditor could check.
MIN_REASON_LENGTH = 2
REASON_REQUIRED = f"请填写查看事由（至少{MIN_REASON_LENGTH}个字），它将与您的姓名、时间和IP一并记录"


def clean_reason(reason: str | None) -> str:
    """The reason trimmed, or ValidationError when it is shorter than MIN_REASON_LENGTH characters."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    return reason


def _reveal(user, borrower, ip: str | None, action: str, reason: str) -> None:
    if not user.may_unmask:
        raise PermissionDenied("您的角色无权查看完整信息")
    # Defence in depth: views already 404 out-of-scope borrowers before calling this.
    # The borrower's own manager (loans sits above accounts): the person must reach one of their loans.
    if not type(borrower).objects.for_user(user).filter(pk=borrower.pk).exists():
        raise PermissionDenied("该借款人不在您的管辖范围内")
    reason = clean_reason(reason)
    AuditLog.objects.create(
        user=user, action=action, object_type="borrower", object_id=str(borrower.pk), reason=reason[:200], ip=ip or None
    )
    audit.warning("%s by %s on borrower #%s from %s", action, user.username, borrower.pk, ip)


@transaction.atomic
def reveal_id(user, borrower, ip: str | None, reason: str) -> str:
    """Log that `user` views the borrower's full ID number and why (at least 2 characters), then return it."""
    _reveal(user, borrower, ip, "view_id", reason)
    return borrower.reveal_id()


@transaction.atomic
def reveal_phone(user, borrower, ip: str | None, reason: str) -> str:
    """Log that `user` views the borrower's full phone number and why (at least 2 characters), then return it."""
    _reveal(user, borrower, ip, "view_phone", reason)
    return borrower.reveal_phone()
