"""The legal calendar: where a period's last day is a statutory rest day, the period ends on the next working day.

民法典 art. 203 (and the Civil Procedure Law on periods): a weekend, or a public holiday in the State
Council's yearly schedule (国务院办公厅关于X年部分节假日安排的通知), is a rest day; a weekend day the schedule
makes a working day (调休上班) is a working day. Sources, strongest first:

1. the calendar table (`core.CalendarEntry`): the district's own rows once it keeps its own calendar, else the
   province default's (npl.core.tenancy) — a year the library lacks, or a correction;
2. the `chinesecalendar` package (pinned in pyproject.toml; docs/legal-clocks.md says why), which holds the
   State Council's schedules from 2004;
3. a year neither knows: weekends only, and every deadline in it says so (`schedule_missing`).

`extend(nominal, calendar)` is the one pure function: the extended date and the reason, no database.
`load_calendar(district_id)` reads a district's table once (a few hundred rows at most) for a run of many
loans; `load_calendars()` serves a run over many districts (`of_township`), each table read once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import chinese_calendar

# chinesecalendar names its holidays in English (with a short Chinese name); the reasons people read use these.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAX_RUN = 31  # no schedule has ever had a month of rest days in a row: a guard against a table typed wrong


# The package's own tables (day → holiday name; the 调休 working days), read directly: its get_holiday_detail
# validates and converts on every call, 80 µs a day, which a district-wide report would pay thousands of times.
LIBRARY_HOLIDAYS: Mapping[dt.date, str] = chinese_calendar.holidays
LIBRARY_WORKDAYS: Mapping[dt.date, str] = chinese_calendar.workdays


@cache
def library_years() -> frozenset[int]:
    """Years whose State Council schedule the chinesecalendar package holds."""
    return frozenset(day.year for day in LIBRARY_HOLIDAYS)


@dataclass(frozen=True)
class Entry:
    """One row of the district's table as the pure function sees it: a rest day (with its holiday's name) or a working day."""

    rest: bool
    name: str = ""


class Calendar:
    """Rest days and working days: the district's table over the library, weekends where neither has the year."""

    def __init__(self, entries: Mapping[dt.date, Entry] | None = None):
        self.entries = dict(entries or {})
        self.table_years = frozenset(day.year for day in self.entries)
        self.memo: dict[dt.date, Extension] = {}  # extend() per nominal day: a run asks the same days again and again

    def has_schedule(self, year: int) -> bool:
        """Whether the State Council's schedule for `year` is known (library or the district's table)."""
        return year in self.table_years or year in library_years()

    def rest_day(self, day: dt.date) -> tuple[bool, str]:
        """(is it a rest day, the holiday's name — "" for a plain weekend or a working day)."""
        entry = self.entries.get(day)
        if entry is not None:
            return entry.rest, entry.name if entry.rest else ""
        if day in LIBRARY_WORKDAYS:
            return False, ""  # 调休上班: a weekend day made a working day
        name = LIBRARY_HOLIDAYS.get(day)
        if name is not None:
            return True, HOLIDAY_NAMES.get(name, name)
        return day.weekday() >= 5, ""  # a plain weekend, whether or not the year's schedule is known


LIBRARY = Calendar()  # the library alone: for tests and for callers without a database


@dataclass(frozen=True)
class Extension:
    """A period's last day: nominal (arts. 201–202), extended past rest days (art. 203), and why."""

    nominal: dt.date
    deadline: dt.date
    reason: str = ""  # "" when the deadline did not move and its year's schedule is known
    schedule_missing: bool = False  # a year the walk touched has no schedule: weekends alone were counted

    @property
    def moved(self) -> bool:
        return self.deadline != self.nominal


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def extend(nominal: dt.date, calendar: Calendar = LIBRARY) -> Extension:
    """The first working day on or after `nominal`, and the reason in Chinese (因国庆节假期顺延至10月8日)."""
    found = calendar.memo.get(nominal)
    if found is None:
        found = calendar.memo[nominal] = _extend(nominal, calendar)
    return found


def _extend(nominal: dt.date, calendar: Calendar) -> Extension:
    day, names, weekend = nominal, [], False
    missing = [] if calendar.has_schedule(day.year) else [day.year]
    for _ in range(MAX_RUN):
        rest, name = calendar.rest_day(day)
        if not rest:
            break
        if name:
            if name not in names:
                names.append(name)
        else:
            weekend = True
        day += dt.timedelta(days=1)
        if not calendar.has_schedule(day.year) and day.year not in missing:
            missing.append(day.year)
    reason = ""
    if day != nominal:
        cause = f"{'、'.join(names)}假期" if names else "周末"
        if names and weekend:
            cause += "及周末"
        to = _md(day) if day.year == nominal.year else f"{day.year}年{_md(day)}"
        reason = f"因{cause}顺延至{to}"
    if missing:
        note = f"{'、'.join(str(y) for y in missing)}年节假日安排尚未录入，仅按周末计算"
        reason = f"{reason}（{note}）" if reason else note
    return Extension(nominal, day, reason, bool(missing))


def load_calendar(district_id: int | None = None) -> Calendar:
    """The calendar that applies to a district (its own table, or the province default's — npl.core.tenancy)
    over the library, read once for a run of many deadlines. None: the default's."""
    from npl.core import tenancy

    return _calendar_of(tenancy.owner("calendar", district_id))


def _calendar_of(owner_id: int | None) -> Calendar:
    from npl.core.models import CalendarEntry
    from npl.core.tenancy import of_owner

    rows = CalendarEntry.objects.filter(**of_owner(owner_id)).values_list("day", "kind", "name")
    return Calendar({day: Entry(kind == CalendarEntry.Kind.REST, name) for day, kind, name in rows})


class Calendars:
    """Every district's calendar for a run over loans of many districts: whose table applies is read once, each
    table at most once (districts following the default share one Calendar and its memo)."""

    def __init__(self):
        from npl.core import tenancy

        self.owners = tenancy.owners("calendar")
        self.by_owner: dict[int | None, Calendar] = {}

    def of_owner(self, owner_id: int | None) -> Calendar:
        found = self.by_owner.get(owner_id)
        if found is None:
            found = self.by_owner[owner_id] = _calendar_of(owner_id)
        return found

    def of_district(self, district_id: int | None) -> Calendar:
        return self.of_owner(self.owners.of_district(district_id))

    def of_township(self, township_id: int) -> Calendar:
        return self.of_owner(self.owners.of_township(township_id))


def load_calendars() -> Calendars:
    """The calendars of every district, loaded lazily: a run over many loans asks `of_township(loan.township_id)`."""
    return Calendars()


def copy_calendar(district_id: int, user=None) -> None:
    """Adopting: the default's entries become the district's own (npl.core.tenancy)."""
    from npl.core.models import CalendarEntry

    CalendarEntry.objects.bulk_create(
        CalendarEntry(district_id=district_id, day=e.day, kind=e.kind, name=e.name, note=e.note, updated_by=e.updated_by)
        for e in CalendarEntry.objects.filter(district__isnull=True)
    )


def clear_calendar(district_id: int) -> None:
    """Restoring the default: the district's own entries go."""
    from npl.core.models import CalendarEntry

    CalendarEntry.objects.filter(district_id=district_id).delete()


def missing_years(years: Iterable[int], calendar: Calendar | None = None) -> list[int]:
    """Those of `years` with no schedule in the library nor the district's table."""
    cal = calendar if calendar is not None else load_calendar()
    return sorted(y for y in set(years) if not cal.has_schedule(y))


def years_to_check(today: dt.date) -> list[int]:
    """This year, and from 1 November next year too (the State Council publishes it in November)."""
    return [today.year, today.year + 1] if today.month >= 11 else [today.year]
