"""The district's holiday schedule table (core.CalendarEntry): the district admin enters a year the library lacks, or corrects it.

Services (role-checked, one transaction each) and the overview the page shows. The rule that reads the
table is npl.core.workdays.extend; this module only writes and describes it.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError

from npl.accounts.choices import Role
from npl.core import derived
from npl.core.models import CalendarEntry
from npl.core.workdays import library_years, load_calendar, years_to_check

MAX_DAYS = 31  # one holiday stretch at a time; no schedule has a longer one


def _require_admin(user):
    if getattr(user, "role", None) != Role.DISTRICT_ADMIN and not getattr(user, "is_superuser", False):
        raise PermissionDenied("只有区金融办可以录入节假日安排")


def set_calendar_days(user, start: dt.date, end: dt.date | None, kind: str, name: str = "", note: str = "") -> list[CalendarEntry]:
    """Enter (or correct) every day from start to end as a rest day or a 调休 working day; returns the rows written."""
    _require_admin(user)
    end = end or start
    if end < start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"end": f"一次最多录入{MAX_DAYS}天，请按节日分段录入"})
    if kind not in CalendarEntry.Kind.values:
        raise ValidationError({"kind": "请选择放假或调休上班"})
    if kind == CalendarEntry.Kind.REST and not name.strip():
        raise ValidationError({"name": "放假日请填写节日名称（如“春节”），届满日顺延的理由要用到它"})
    rows = []
    with derived.deferred():
        day = start
        while day <= end:
            row, _ = CalendarEntry.objects.update_or_create(
                day=day, defaults={"kind": kind, "name": name.strip() if kind == CalendarEntry.Kind.REST else "",
                                   "note": note.strip(), "updated_by": user},
            )
            rows.append(row)
            day += dt.timedelta(days=1)
        derived.refresh(source="calendar")  # every deadline may move past the new rest days
    return rows


def remove_calendar_day(user, entry_id: int) -> CalendarEntry:
    """Delete one entry (the library's schedule, or weekends alone, apply to that day again)."""
    _require_admin(user)
    with derived.deferred():
        row = CalendarEntry.objects.select_for_update().filter(pk=entry_id).first()
        if row is None:
            raise ValidationError("该条节假日安排不存在或已删除")
        row.delete()
        derived.refresh(source="calendar")
    return row


def year_overview(today: dt.date) -> list[dict]:
    """For last year to next year (and any year the table holds): where its schedule comes from, or that it is missing."""
    calendar = load_calendar()
    counts: dict[int, int] = {}
    for day in calendar.entries:
        counts[day.year] = counts.get(day.year, 0) + 1
    watched = set(years_to_check(today))
    out = []
    for year in sorted({today.year - 1, today.year, today.year + 1, *counts}):
        if year in counts:
            source = f"本区录入 {counts[year]} 条" + ("（覆盖 chinesecalendar 的数据）" if year in library_years() else "")
        elif year in library_years():
            source = "国务院安排（chinesecalendar 数据包）"
        else:
            source = ""
        out.append({"year": year, "source": source, "missing": not source, "watched": year in watched})
    return out
