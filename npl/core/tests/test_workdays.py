"""The legal calendar (民法典 art. 203) on the State Council's real schedules.

Dates checked against the notices themselves: 国务院办公厅关于2023年部分节假日安排的通知 (中秋节、国庆节:
9月29日至10月6日放假调休，10月7日（周六）、10月8日（周日）上班) and 国务院办公厅关于2026年部分节假日安排的通知
(2025年11月4日: 春节2月15日至23日放假，2月14日（周六）、2月28日（周六）上班; 劳动节5月1日至5日放假，5月9日（周六）
上班; 国庆节10月1日至7日放假，9月20日（周日）、10月10日（周六）上班).
"""
import datetime as dt
import io

import chinese_calendar
import pytest
from django.core.checks import Warning

from npl.core.checks import calendar_warnings
from npl.core.models import CalendarEntry
from npl.core.workdays import LIBRARY, Calendar, Entry, extend, library_years, load_calendar, years_to_check

D = dt.date

CASES = [
    # id, nominal last day, extended last day, reason
    ("national_day_2023_first_day", D(2023, 10, 1), D(2023, 10, 7), "因国庆节假期顺延至10月7日"),
    ("mid_autumn_2023_runs_into_national_day", D(2023, 9, 29), D(2023, 10, 7), "因中秋节、国庆节假期顺延至10月7日"),
    ("national_day_2023_tiaoxiu_saturday_is_a_working_day", D(2023, 10, 7), D(2023, 10, 7), ""),
    ("national_day_2023_tiaoxiu_sunday_is_a_working_day", D(2023, 10, 8), D(2023, 10, 8), ""),
    ("national_day_2026", D(2026, 10, 1), D(2026, 10, 8), "因国庆节假期顺延至10月8日"),
    ("national_day_2026_last_day", D(2026, 10, 7), D(2026, 10, 8), "因国庆节假期顺延至10月8日"),
    ("tiaoxiu_sunday_before_national_day_2026", D(2026, 9, 20), D(2026, 9, 20), ""),
    ("tiaoxiu_saturday_after_national_day_2026", D(2026, 10, 10), D(2026, 10, 10), ""),
    ("spring_festival_2026", D(2026, 2, 17), D(2026, 2, 24), "因春节假期顺延至2月24日"),
    ("spring_festival_2026_tiaoxiu_saturday_before", D(2026, 2, 14), D(2026, 2, 14), ""),
    ("spring_festival_2026_tiaoxiu_saturday_after", D(2026, 2, 28), D(2026, 2, 28), ""),
    ("labour_day_2026", D(2026, 5, 1), D(2026, 5, 6), "因劳动节假期顺延至5月6日"),
    ("ordinary_saturday", D(2026, 3, 14), D(2026, 3, 16), "因周末顺延至3月16日"),
    ("ordinary_sunday", D(2026, 3, 15), D(2026, 3, 16), "因周末顺延至3月16日"),
    ("a_working_wednesday_stays", D(2026, 3, 18), D(2026, 3, 18), ""),
    ("new_year_2026_to_the_tiaoxiu_sunday", D(2026, 1, 1), D(2026, 1, 4), "因元旦假期顺延至1月4日"),
    # the 2023 notice: 元旦 2022年12月31日至2023年1月2日放假
    ("new_year_2023_starts_in_2022_and_crosses_the_year", D(2022, 12, 31), D(2023, 1, 3), "因元旦假期顺延至2023年1月3日"),
]


@pytest.mark.parametrize("nominal, deadline, reason", [pytest.param(*row[1:], id=row[0]) for row in CASES])
def test_a_last_day_on_a_rest_day_moves_to_the_next_working_day(nominal, deadline, reason):
    got = extend(nominal)
    assert (got.nominal, got.deadline, got.reason, got.schedule_missing) == (nominal, deadline, reason, False)
    assert got.moved is (deadline != nominal)


def test_the_library_holds_the_2026_notice_as_published():
    """The pinned chinesecalendar against the State Council's notice of 2025-11-04, day by day."""
    rest = [D(2026, 1, d) for d in (1, 2, 3)] + [D(2026, 2, d) for d in range(15, 24)] + [D(2026, 4, d) for d in (4, 5, 6)]
    rest += [D(2026, 5, d) for d in range(1, 6)] + [D(2026, 6, d) for d in (19, 20, 21)] + [D(2026, 9, d) for d in (25, 26, 27)]
    rest += [D(2026, 10, d) for d in range(1, 8)]
    work = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]
    assert all(chinese_calendar.is_holiday(day) for day in rest)
    assert all(chinese_calendar.is_workday(day) for day in work)
    assert all(LIBRARY.rest_day(day)[0] for day in rest)
    assert not any(LIBRARY.rest_day(day)[0] for day in work)


def test_a_year_without_a_schedule_counts_weekends_only_and_says_so():
    assert 2027 not in library_years()
    saturday = extend(D(2027, 2, 27))
    assert (saturday.deadline, saturday.schedule_missing) == (D(2027, 3, 1), True)
    assert saturday.reason == "因周末顺延至3月1日（2027年节假日安排尚未录入，仅按周末计算）"
    # 1 October 2027 is a Friday: without the schedule it is not known as a holiday, and the note says why
    national_day = extend(D(2027, 10, 1))
    assert (national_day.deadline, national_day.schedule_missing) == (D(2027, 10, 1), True)
    assert national_day.reason == "2027年节假日安排尚未录入，仅按周末计算"


def test_a_move_into_a_year_without_a_schedule_is_flagged():
    got = extend(D(2026, 12, 31), Calendar({D(2026, 12, 31): Entry(True, "测试")}))
    assert got.deadline == D(2027, 1, 1)  # a Friday, but 2027's schedule is unknown
    assert got.schedule_missing and "2027年节假日安排尚未录入" in got.reason


def test_the_districts_entries_win_over_the_library_and_give_a_year_its_schedule():
    calendar = Calendar({
        D(2027, 10, 1): Entry(True, "国庆节"), D(2027, 10, 4): Entry(True, "国庆节"),
        D(2027, 10, 9): Entry(False),  # a 调休 Saturday
        D(2026, 3, 18): Entry(True, "更正"),  # a correction of a year the library holds
    })
    got = extend(D(2027, 10, 1), calendar)
    assert (got.deadline, got.reason, got.schedule_missing) == (D(2027, 10, 5), "因国庆节假期及周末顺延至10月5日", False)
    assert extend(D(2027, 10, 9), calendar).deadline == D(2027, 10, 9)
    assert extend(D(2026, 3, 18), calendar).deadline == D(2026, 3, 19)


@pytest.mark.django_db
def test_load_calendar_reads_the_table():
    CalendarEntry.objects.create(day=D(2027, 2, 8), kind=CalendarEntry.Kind.REST, name="春节")
    CalendarEntry.objects.create(day=D(2027, 2, 20), kind=CalendarEntry.Kind.WORK)
    calendar = load_calendar()
    assert calendar.has_schedule(2027)
    assert calendar.rest_day(D(2027, 2, 8)) == (True, "春节")
    assert calendar.rest_day(D(2027, 2, 20)) == (False, "")  # a Saturday made a working day


def test_next_years_schedule_is_watched_from_1_november():
    assert years_to_check(D(2026, 10, 31)) == [2026]
    assert years_to_check(D(2026, 11, 1)) == [2026, 2027]


@pytest.mark.django_db
def test_the_system_check_warns_for_a_missing_year_until_the_district_enters_it():
    assert calendar_warnings(D(2026, 10, 31)) == []
    warnings = calendar_warnings(D(2026, 11, 1))
    assert [(type(w), w.id) for w in warnings] == [(Warning, "core.W001")]
    assert "2027年节假日安排尚未录入" in warnings[0].msg
    CalendarEntry.objects.create(day=D(2027, 1, 1), kind=CalendarEntry.Kind.REST, name="元旦")
    assert calendar_warnings(D(2026, 11, 1)) == []


@pytest.mark.django_db
def test_the_commands_print_no_covering_index_warning_on_sqlite():
    """SQLite keeps the covering indexes' keys and drops their INCLUDE columns (models.W040): said once in settings,
    not printed by every command."""
    from django.core.management import call_command
    from django.db import connection

    out, err = io.StringIO(), io.StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=err)
    printed = out.getvalue() + err.getvalue()
    assert "models.W040" not in printed
    if connection.vendor == "sqlite":
        from django.core import checks

        # The warning exists on SQLite (so the silencing is what keeps it off the screen).
        assert any(m.id == "models.W040" for m in checks.run_checks(databases=["default"]))
