"""Shared bits of the `report` and `campaign` commands: dates, units, Chinese errors with exit 2."""
import datetime as dt
import json
import re
import sys

from django.core.management.base import CommandError

from npl.org.models import District, Township


class UsageError(CommandError):
    """An unusable call (unknown township or campaign, bad date): Chinese message, exit 2, no traceback."""

    def __init__(self, message: str):
        super().__init__(message, returncode=2)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_day(text: str | None, what: str = "日期") -> dt.date | None:
    """2026-03-31, 2026/3/31, 2026.3.31, 20260331 or 2026年3月31日 → date; None stays None."""
    if text is None:
        return None
    s = text.strip()
    m = _DATE.match(s)
    if m is None and re.fullmatch(r"\d{8}", s):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", s)
    if m is None:
        raise UsageError(f"{what}“{text}”无法识别，请写成 2026-03-31 的形式")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise UsageError(f"{what}“{text}”不是有效日期") from exc


def find_township(name: str | None) -> Township | None:
    """The township of that name in the district; None when no name was given."""
    if name is None:
        return None
    town = Township.objects.filter(district=District.current(), name=name.strip()).first()
    if town is None:
        raise UsageError(f"乡镇“{name}”不存在")
    return town


def run_guarded(fn) -> None:
    """Run a command body; a UsageError becomes a Chinese line on stderr and exit code 2."""
    try:
        fn()
    except UsageError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        sys.exit(2)


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)
