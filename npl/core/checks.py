"""System check: warn when the State Council's holiday schedule of this year (from 1 November, also next year's) is missing."""
from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone

HINT = (
    "请区金融办在“节假日安排”页面（/collection/calendar/）或管理后台录入该年国务院办公厅节假日安排通知中的"
    "放假日和调休上班日，或升级 chinesecalendar 包。"
)


def calendar_warnings(today) -> list[Warning]:
    """core.W001 for each year to check (npl.core.workdays.years_to_check) with no schedule in the library or the table."""
    from npl.core.workdays import LIBRARY, load_calendar, missing_years, years_to_check

    try:
        calendar = load_calendar()
    except DatabaseError:  # before the first migrate: the library alone
        calendar = LIBRARY
    return [
        Warning(
            f"{year}年节假日安排尚未录入：届满日落在{year}年的法律时效期间只按周末顺延，节假日不顺延。",
            hint=HINT,
            id="core.W001",
        )
        for year in missing_years(years_to_check(today), calendar)
    ]


@register()
def holiday_schedule_known(app_configs, **kwargs):
    """core.W001: a deadline in a year with no schedule counts weekends only (docs/legal-clocks.md)."""
    return calendar_warnings(timezone.localdate())
