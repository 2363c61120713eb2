"""Periods (ISO weeks across month and year ends) and the laggard rule, as pure functions."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.reports.rules import PeriodError, laggard, parse_week, week_code, week_label, week_of

D = Decimal


def test_an_iso_week_runs_monday_to_sunday_across_a_month_end():
    assert parse_week("2026-W14") == (dt.date(2026, 3, 30), dt.date(2026, 4, 5))
    assert week_label(dt.date(2026, 3, 30)) == "2026年第14周（3月30日—4月5日）"


def test_the_last_week_of_2026_ends_in_2027_and_belongs_to_2026():
    assert parse_week("2026-W53") == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    assert week_code(dt.date(2027, 1, 3)) == "2026-W53"
    assert week_of(dt.date(2027, 1, 1)) == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    assert parse_week("2025w01") == (dt.date(2024, 12, 30), dt.date(2025, 1, 5))  # the week of 1 Jan 2025 starts in 2024


@pytest.mark.parametrize("text", ["2026-14", "W14", "2026-W54", "2025-W53", ""])
def test_a_week_that_cannot_be_read_or_does_not_exist_is_refused_in_chinese(text):
    with pytest.raises(PeriodError, match="周次"):
        parse_week(text)


def test_the_last_of_the_ranking_is_a_laggard_with_its_rank_as_the_reason():
    flag = laggard(6, 6, D("6.50"), D("7.00"), bottom_n=1, margin=D("5"))
    assert flag.flagged and flag.reason == "排名末位（第6名/共6个）"
    assert not laggard(5, 6, D("6.50"), D("7.00"), bottom_n=1, margin=D("5")).flagged


def test_a_rate_further_below_the_district_than_the_margin_is_a_laggard_whatever_its_rank():
    flag = laggard(2, 6, D("1.99"), D("7.00"), bottom_n=1, margin=D("5"))
    assert flag.flagged and "低于全区5.01个百分点" in flag.reason
    assert not laggard(2, 6, D("2.00"), D("7.00"), bottom_n=1, margin=D("5")).flagged  # exactly 5 points: not beyond


def test_a_township_without_a_task_or_alone_in_the_ranking_is_not_flagged_for_its_rank():
    assert not laggard(6, 6, D("0"), D("7.00"), bottom_n=1, margin=D("5"), has_task=False).flagged
    assert not laggard(1, 1, D("7.00"), D("7.00"), bottom_n=1, margin=D("5")).flagged
