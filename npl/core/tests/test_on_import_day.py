"""The `on_import_day` fixture (npl/conftest.py): a module's TODAY and the services' today stay one day."""
import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# As if this module had been imported just before midnight in Shanghai, long ago.
IMPORTED_AT = dt.datetime(2026, 3, 31, 23, 59, 50, tzinfo=SHANGHAI)
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")


def test_the_services_today_is_the_day_the_module_was_imported():
    assert TODAY == dt.date(2026, 3, 31)
    assert timezone.localdate() == TODAY


def test_the_clock_still_ticks_from_the_import_instant():
    first = timezone.now()
    assert IMPORTED_AT <= first < IMPORTED_AT + dt.timedelta(seconds=5)
    assert timezone.now() >= first
