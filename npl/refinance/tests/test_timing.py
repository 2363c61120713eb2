"""The district's table: hours from request to disbursement per branch, figures worked by hand.

柳溪支行 (town branch), three disbursed and one refused:
  R1 Mon 03-02 09:00 → received 03-03 09:00 → documents 03-04 09:00 → approved 03-05 09:00 → disbursed 03-05 15:00 = 78 h
  R2 Mon 03-09 08:00 → received 03-09 12:00 → documents 03-10 08:00 → approved 03-10 20:00 → disbursed 03-11 08:00 = 48 h
  R3 Mon 03-16 10:00 → received 03-17 10:00 → documents 03-18 10:00 → approved 03-19 10:00 → disbursed 03-19 16:30 = 78.5 h
  mean (78 + 48 + 78.5) / 3 = 68.1666… → 68.2; median 78.0; slowest 78.5 (R3)
  受理 (24 + 4 + 24) / 3 = 17.3; 补齐资料 (24 + 20 + 24) / 3 = 22.7; 审批 (24 + 12 + 24) / 3 = 20.0; 放款 (6 + 12 + 6.5) / 3 = 8.2
桃源支行 (village branch), two disbursed and one still open:
  R4 03-02 09:00 → disbursed 13:00 = 4 h;  R5 03-03 10:00 → disbursed 12:30 = 2.5 h
  mean 3.25 → 3.3 (half-up, not 3.2); median 3.25 → 3.3; R6 asked 03-20 09:00, received, open at 03-21 09:00 → waited 24.0 h
"""
from decimal import Decimal

import pytest

from npl import testing
from npl.refinance import services
from npl.refinance.tests.conftest import at
from npl.refinance.timing import processing_times

pytestmark = pytest.mark.django_db
NOW = at("2026-03-21", "09:00")


def request(loan, admin, start, *steps, staff, refuse=False):
    req = services.request_refinance(loan, admin, kind="renew", reason="续贷", township_agreed=True, at=at(*start))
    names = ["received", "documents_complete", "approved", "disbursed"]
    for name, when in zip(names, steps, strict=False):
        services.take_step(req, staff, name, at=at(*when), new_loan_no=f"{loan.loan_no}-N")
    if refuse:
        services.take_step(req, staff, "refused", note="资料不全", at=at(*steps[-1]))
    return req


@pytest.fixture
def history(units, cast, village_staff):
    admin, town_staff = cast["township_admin"], cast["branch_staff"]
    who = testing.borrower(77, "赵六")
    town = [testing.loan(f"T{i}", who, units.town_a, units.branch_a) for i in range(1, 5)]
    village = [testing.loan(f"V{i}", who, units.town_a, units.branch_b) for i in range(4, 7)]
    d = "2026-03-"
    request(town[0], admin, (d + "02", "09:00"), (d + "03", "09:00"), (d + "04", "09:00"), (d + "05", "09:00"), (d + "05", "15:00"), staff=town_staff)
    request(town[1], admin, (d + "09", "08:00"), (d + "09", "12:00"), (d + "10", "08:00"), (d + "10", "20:00"), (d + "11", "08:00"), staff=town_staff)
    request(town[2], admin, (d + "16", "10:00"), (d + "17", "10:00"), (d + "18", "10:00"), (d + "19", "10:00"), (d + "19", "16:30"), staff=town_staff)
    request(town[3], admin, (d + "10", "09:00"), (d + "10", "10:00"), staff=town_staff, refuse=True)
    request(village[0], admin, (d + "02", "09:00"), (d + "02", "10:00"), (d + "02", "11:00"), (d + "02", "12:00"), (d + "02", "13:00"), staff=village_staff)
    request(village[1], admin, (d + "03", "10:00"), (d + "03", "10:30"), (d + "03", "11:00"), (d + "03", "12:00"), (d + "03", "12:30"), staff=village_staff)
    request(village[2], admin, (d + "20", "09:00"), (d + "20", "09:30"), staff=village_staff)
    return town, village


def test_processing_time_per_branch_matches_the_hand_worked_figures(history):
    town, village = processing_times(now=NOW)  # slowest mean first
    assert town.branch == "柳溪支行" and village.branch == "桃源支行"
    assert (town.requests, town.disbursed, town.refused, town.open) == (4, 3, 1, 0)
    assert (town.mean_hours, town.median_hours, town.slowest_hours) == (Decimal("68.2"), Decimal("78.0"), Decimal("78.5"))
    assert town.slowest_request.loan.loan_no == "T3"
    assert town.oldest_open_hours is None
    assert town.stretch_means == [("受理", Decimal("17.3")), ("补齐资料", Decimal("22.7")), ("审批", Decimal("20.0")), ("放款", Decimal("8.2"))]
    assert (village.requests, village.disbursed, village.open) == (3, 2, 1)
    assert (village.mean_hours, village.median_hours, village.slowest_hours) == (Decimal("3.3"), Decimal("3.3"), Decimal("4.0"))
    assert village.oldest_open_hours == Decimal("24.0")


def test_the_period_counts_requests_by_the_day_they_were_asked(history):
    (town,) = [r for r in processing_times(since=at("2026-03-09").date(), until=at("2026-03-15").date(), now=NOW)]
    assert (town.branch, town.requests, town.disbursed, town.refused) == ("柳溪支行", 2, 1, 1)
    assert town.mean_hours == town.median_hours == Decimal("48.0")
