"""Pure rules of the bulletins: periods (ISO weeks) and who is flagged a laggard (落后单位), with the reason."""
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

WEEK_RE = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


class PeriodError(ValueError):
    """A week or day that cannot be read; the message is Chinese and names the value."""


def parse_week(text: str) -> tuple[dt.date, dt.date]:
    """'2026-W14' → (Monday, Sunday) of that ISO week."""
    m = WEEK_RE.match(text or "")
    if not m:
        raise PeriodError(f"周次“{text}”无法识别（格式：2026-W14，即ISO周：周一至周日）")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise PeriodError(f"周次“{text}”不存在：{year}年没有第{week}周") from exc
    return monday, monday + dt.timedelta(days=6)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The ISO week (Monday–Sunday) holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def week_code(day: dt.date) -> str:
    """'2026-W14' for any day of that ISO week (the ISO year, which differs from the calendar year near 1 January)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(monday: dt.date) -> str:
    """'2026年第14周（3月30日—4月5日）'."""
    year, week, _ = monday.isocalendar()
    sunday = monday + dt.timedelta(days=6)
    return f"{year}年第{week}周（{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日）"


def day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Laggard:
    """The rule's answer for one township: flagged or not, and why (empty when not)."""

    flagged: bool
    reason: str


def laggard(
    rank: int, count: int, rate: Decimal, district_rate: Decimal, *, bottom_n: int, margin: Decimal, has_task: bool = True
) -> Laggard:
    """落后单位: among the last `bottom_n` of `count` ranked townships, or a recovery rate more than
    `margin` percentage points below the district's. A township with no task is never flagged."""
    if not has_task:
        return Laggard(False, "")
    reasons = []
    if bottom_n and count > 1 and rank > count - bottom_n:
        reasons.append(f"排名末位（第{rank}名/共{count}个）")
    gap = district_rate - rate
    if margin is not None and gap > margin:
        reasons.append(f"清收率低于全区{gap:.2f}个百分点（超过{margin:.2f}个百分点）")
    return Laggard(bool(reasons), "；".join(reasons))
