"""The holiday schedule table (core.CalendarEntry): a year the library lacks, or a correction — per district.

The 省金融办 edits the province default; a district admin edits their district's own calendar, the first edit
adopting it (npl.core.tenancy: the default is copied into the district). Services (role-checked, one
transaction each) and the overview the page shows. The rule that reads the table is
npl.core.workdays.extend; this module only writes and describes it.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from npl.core import derived, tenancy
from npl.core.models import CalendarEntry
from npl.core.workdays import library_years, load_calendar, years_to_check

MAX_DAYS = 31  # one holiday stretch at a time; no schedule has a longer one


KIND = "calendar"


def set_calendar_days(user, start: dt.date, end: dt.date | None, kind: str, name: str = "", note: str = "") -> list[CalendarEntry]:
    """Enter (or correct) every day from start to end as a rest day or a 调休 working day, in the calendar this
    person edits (their district's own, adopted on the first edit, or the province default); returns the rows."""
    tenancy.editing_district(user, KIND)  # refused before the form's errors
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
        owner = tenancy.ensure_own(user, KIND)
        day = start
        while day <= end:
            row, _ = CalendarEntry.objects.update_or_create(
                district_id=owner, day=day, defaults={"kind": kind, "name": name.strip() if kind == CalendarEntry.Kind.REST else "",
                                   "note": note.strip(), "updated_by": user},
            )
            rows.append(row)
            day += dt.timedelta(days=1)
        tenancy.changed(KIND, owner)  # the deadlines of the loans this calendar applies to may move
    return rows


def remove_calendar_day(user, entry_id: int) -> CalendarEntry:
    """Delete one entry of the calendar this person edits (the library's schedule, or weekends alone, apply to
    that day again)."""
    owner = tenancy.editing_district(user, KIND)
    with derived.deferred():
        row = CalendarEntry.objects.select_for_update().filter(pk=entry_id, **tenancy.of_owner(owner)).first()
        if row is None:
            if owner is not None and CalendarEntry.objects.filter(pk=entry_id, district__isnull=True).exists():
                raise ValidationError("该条属于省级默认，本区不能删除；请先“采用本区设置”，再删除本区的这一天")
            raise ValidationError("该条节假日安排不存在或已删除")
        row.delete()
        tenancy.changed(KIND, owner)
    return row


def year_overview(today: dt.date, district_id: int | None = None) -> list[dict]:
    """For last year to next year (and any year the table holds): where the district's (None: the default's)
    schedule comes from, or that it is missing."""
    calendar = load_calendar(district_id)
    whose = "本区" if tenancy.owner(KIND, district_id) is not None else "省级默认"
    counts: dict[int, int] = {}
    for day in calendar.entries:
        counts[day.year] = counts.get(day.year, 0) + 1
    watched = set(years_to_check(today))
    out = []
    for year in sorted({today.year - 1, today.year, today.year + 1, *counts}):
        if year in counts:
            source = f"{whose}录入 {counts[year]} 条" + ("（覆盖 chinesecalendar 的数据）" if year in library_years() else "")
        elif year in library_years():
            source = "国务院安排（chinesecalendar 数据包）"
        else:
            source = ""
        out.append({"year": year, "source": source, "missing": not source, "watched": year in watched})
    return out
