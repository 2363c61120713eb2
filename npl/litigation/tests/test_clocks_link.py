"""A case moved on the pages feeds the legal clocks the same way an imported one does."""
import datetime as dt

import pytest

from npl.collection.clocks import clocks_report
from npl.litigation import services

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 10, 31)


def row(loan_no):
    (found,) = [r for r in clocks_report(as_of=AS_OF)["loans"] if r["loan_no"] == loan_no]
    return found


def test_a_judgment_recorded_on_the_page_starts_the_enforcement_clock_and_execution_stops_it(case, move, court):
    move(case, ("judged", dt.date(2026, 4, 1)))
    assert row("LA002")["limitation_status"] == "suspended_by_suit"
    # 2 years from the judgment date when no performance period is recorded: Saturday 2028-04-01, so the Monday
    # (民法典 art. 203; 2028's holiday schedule is not published yet, so weekends alone count and the row says so)
    got = row("LA002")
    assert (got["enforcement_nominal_deadline"], got["enforcement_deadline"]) == ("2028-04-01", "2028-04-03")
    assert got["enforcement_schedule_missing"] is True
    services.record_judgment(case, court, amount="250000", performance_due=dt.date(2026, 4, 16))
    assert row("LA002")["enforcement_deadline"] == "2028-04-17"  # from the performance period: Sunday 2028-04-16
    move(case, ("effective", dt.date(2026, 4, 20)), ("enforcement_applied", dt.date(2026, 5, 1)))
    assert row("LA002")["enforcement_deadline"] is None, "an enforcement application stops the clock"
