"""Masked forms for screens and exports: 610***********1234, 张*, 138****5678."""
from npl.core.idnumber import mask as mask_id

__all__ = ["mask_id", "mask_name", "mask_phone"]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; a single character stays."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
