"""Stored clocks (issue 16): each change moves a loan's LoanClock row in its own transaction, pages and reports
read the rows, and `npl derive --check` finds a row that is not what the events say."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from npl import testing
from npl.collection import services
from npl.collection.clocks import clocks_report, compute_clocks, loan_clock_context
from npl.collection.clocks.calendar import set_calendar_days
from npl.collection.clocks.gather import loan_report_row
from npl.collection.clocks.store import from_data, to_data
from npl.collection.models import LoanClock
from npl.core import derived
from npl.loans.models import Loan

pytestmark = pytest.mark.django_db
ALERTS = reverse("collection:clock_alerts")


def today():
    return derived.today()


def stored(loan) -> LoanClock:
    return LoanClock.objects.get(loan=loan)


def fresh(loan):
    [(_, clock)] = compute_clocks(Loan.objects.filter(pk=loan.pk), today(), full=True, details=True)
    return clock


@pytest.fixture
def running(units, cast):
    """A loan of the collector's township that matured on 2024-06-03: its period runs to 2027-06-03 (a Thursday)."""
    return testing.loan("LC001", testing.borrower(11, "赵六"), units.town_a, units.branch_a,
                        maturity=dt.date(2024, 6, 3), collector=cast["collector"])


def test_the_builder_stores_the_row_a_fresh_computation_gives(running):
    row = stored(running)
    assert row.day == today() and row.deadline == dt.date(2027, 6, 3) and row.basis == "maturity"
    assert row.township_id == running.township_id and row.branch_id == running.branch_id
    assert to_data(row.to_clock()) == to_data(fresh(running)) == row.data


def test_a_signed_notice_moves_the_stored_deadline_inside_the_services_transaction(running, cast):
    signed_on = today() - dt.timedelta(days=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record_action(running, cast["collector"], acted_on=signed_on, method="visit",
                               outcome_code="met_borrower", signature="borrower")
        row = stored(running)
        assert row.basis == "signed_notice" and row.deadline > dt.date(2027, 6, 3)
        assert row.deadline == fresh(running).deadline
        raise RuntimeError("the caller's transaction fails after the service")
    row = stored(running)  # rolled back together with the action
    assert (row.basis, row.deadline) == ("maturity", dt.date(2027, 6, 3))


def test_a_confirmed_repayment_interrupts_and_the_stored_row_follows(running, cast):
    paid_on = today() - dt.timedelta(days=1)
    rep = services.record_repayment(running, cast["collector"], paid_on=paid_on, amount=Decimal("100.00"))
    assert stored(running).basis == "maturity"  # not counted until the branch confirms it
    services.review_repayment(rep, cast["branch_staff"], confirm=True)
    row = stored(running)
    assert row.basis == "repayment" and row.deadline == fresh(running).deadline and row.deadline.year == paid_on.year + 3


def test_a_refused_service_leaves_the_old_row(running, cast):
    before = LoanClock.objects.filter(loan=running).values().get()
    with pytest.raises(ValidationError):
        services.record_action(running, cast["collector"], acted_on=today() + dt.timedelta(days=1), method="visit",
                               outcome_code="met_borrower", signature="borrower")
    assert LoanClock.objects.filter(loan=running).values().get() == before


def test_a_rest_day_entered_in_the_calendar_moves_the_stored_deadline(running, cast):
    set_calendar_days(cast["district_admin"], dt.date(2027, 6, 3), None, "rest", name="测试假期")
    row = stored(running)
    assert (row.nominal_deadline, row.deadline) == (dt.date(2027, 6, 3), dt.date(2027, 6, 4))
    assert "测试假期" in row.deadline_reason


def test_the_report_and_the_loan_partial_from_stored_rows_equal_a_computation(loans, running, cast):
    services.record_action(running, cast["collector"], acted_on=today(), method="letter", outcome_code="met_borrower",
                           signature="relative")
    computed = sorted((c.report_row(loan.loan_no) for loan, c in compute_clocks(Loan.objects.all(), today())),
                      key=lambda r: r["loan_no"])
    with CaptureQueriesContext(connection) as q:
        report = clocks_report()
    assert report["loans"] == computed
    assert len(q.captured_queries) <= 4  # the stored rows: no clock computed
    for row in computed:  # one loan (the API's /loans/<no>/clock/) reads its stored row too
        assert loan_report_row(Loan.objects.get(loan_no=row["loan_no"]), today()) == row
    for loan in Loan.objects.select_related("borrower", "township"):
        assert to_data(loan_clock_context(loan)["legal_clock"]) == to_data(fresh(loan))


def test_the_page_reads_the_stored_rows(client_for, running):
    LoanClock.objects.filter(loan=running).update(status="lapsed")  # a row the page can only have read
    r = client_for("township_admin").get(ALERTS, {"township": "柳溪镇"})
    assert r.context["shown"] == "lapsed" and [loan.loan_no for loan, _ in r.context["rows"]] == ["LC001"]
    past = client_for("township_admin").get(ALERTS, {"township": "柳溪镇", "as_of": "2026-06-01", "list": "lapsed"})
    assert not past.context["rows"].paginator.count  # computed


def _page_queries(client, start: int, n: int, units) -> int:
    three_years_ago = today().replace(year=today().year - 3)
    for i in range(start, start + n):  # every group of the page has rows: lapsed, within 1/3/6 months, ok
        lapses_in = (-30, 15, 60, 150, 400)[i % 5]
        testing.loan(f"LQ{i:03d}", testing.borrower(100 + i, "钱七"), units.town_a, units.branch_a,
                     maturity=three_years_ago + dt.timedelta(days=lapses_in))
    with CaptureQueriesContext(connection) as q:
        r = client.get(ALERTS, {"township": "柳溪镇"})
    assert r.status_code == 200 and r.context["total"] == Loan.objects.count()
    return len(q.captured_queries)


def test_the_page_makes_as_many_queries_for_50_loans_as_for_5(client_for, units):
    client = client_for("township_admin")
    few = _page_queries(client, 0, 5, units)
    many = _page_queries(client, 5, 45, units)  # 50 loans now
    assert few == many


def test_the_check_names_a_corrupted_row_and_the_command_repairs_it(running, capsys):
    LoanClock.objects.filter(loan=running).update(deadline=dt.date(2030, 1, 1))
    found = derived.check(only=["clocks"])
    assert found.total == 1
    (diff,) = found.examples["clocks"]
    assert (diff.loan_id, diff.key, diff.stored, diff.computed) == (running.pk, "deadline", dt.date(2030, 1, 1), dt.date(2027, 6, 3))
    with pytest.raises(SystemExit):
        call_command("derive", "--check", "--only", "clocks")
    assert "共 1 处差异" in capsys.readouterr().out
    call_command("derive", "--only", "clocks")
    assert derived.check(only=["clocks"]).total == 0


def test_a_missing_row_is_a_difference_and_the_json_round_trips(running):
    clock = fresh(running)
    assert to_data(from_data(to_data(clock))) == to_data(clock)
    LoanClock.objects.filter(loan=running).delete()
    (diff,) = derived.check(only=["clocks"]).examples["clocks"]
    assert (diff.loan_id, diff.key, diff.stored) == (running.pk, "row", None)
