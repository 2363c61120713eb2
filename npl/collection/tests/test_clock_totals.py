"""The clocks' stored totals (issue 16) follow every write of the clock rows — a refresh, a bulk update moving rows
between keys, a deletion — so the alert page and the homes read them instead of counting every clock; a total that
is not a count of the rows is a difference for `npl derive --check`."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from npl import testing
from npl.collection.clocks import totals
from npl.collection.clocks.rows import ALERTS
from npl.collection.models import ClockTotal, LoanClock
from npl.core import bulk, derived
from npl.loans.models import Loan

pytestmark = pytest.mark.django_db


def counted() -> dict:
    """Each key → (clocks, guarantors in the guarantee list, in the claim list), counted over the clock rows a page
    may count (not settled, or with a balance)."""
    found = {}
    for r in LoanClock.objects.filter(Q(settled=False) | Q(balance__gt=0)):
        key = (r.township_id, r.settled, bool(r.balance and r.balance > 0), r.status, r.enforcement_status in ALERTS,
               r.guarantee_alerts > 0, r.claim_alerts > 0, r.schedule_missing)
        n, g, c = found.get(key, (0, 0, 0))
        found[key] = (n + 1, g + r.guarantee_alerts, c + r.claim_alerts)
    return found


def stored() -> dict:
    """The same from the stored totals; a key left without clocks must hold no guarantors either."""
    rows = list(ClockTotal.objects.all())
    assert all(t.guarantors == t.claims == 0 for t in rows if t.loans == 0)
    return {(t.township_id, t.settled, t.live, t.status, t.enforcement_alert, t.guarantee_alert, t.claim_alert,
             t.schedule_missing): (t.loans, t.guarantors, t.claims) for t in rows if t.loans}


@pytest.fixture
def clocks(loans, units):
    """The shared loans, a settled one without a balance (counted by no page) and one lapsing within a month whose
    guarantor was never asked to pay."""
    today = derived.today()
    testing.loan("LA009", testing.borrower(31, "吴十"), units.town_a, units.branch_a, balance="0.00",
                 status="settled", maturity=today.replace(year=today.year - 4))
    lapsing = testing.loan("LB009", testing.borrower(32, "郑十一"), units.town_b, units.branch_b, balance="42000.00",
                           maturity=today.replace(year=today.year - 3) + dt.timedelta(days=20))
    lapsing.guarantors.create(name="冯十二", guarantee_months=36)
    derived.refresh(setup=True)
    return loans


def test_the_totals_hold_every_clock_the_refresh_stored_and_leave_out_a_settled_loan_without_balance(clocks):
    assert stored() == counted() and totals.differences(connection) == []
    assert sum(n for n, _g, _c in stored().values()) == LoanClock.objects.count() - 1
    assert sum(g for _n, g, _c in stored().values()) == 1


def test_updates_moving_rows_between_keys_move_the_totals(clocks, units):
    LoanClock.objects.filter(loan__loan_no="LA001").update(status="lapsed", schedule_missing=True, claim_alerts=2)
    LoanClock.objects.filter(loan__loan_no="LB009").update(guarantee_alerts=0, enforcement_status="due_1m")
    LoanClock.objects.filter(loan__loan_no="LA009").update(settled=False)  # into the counted rows
    LoanClock.objects.filter(loan__loan_no="LA002").update(settled=True, balance=0)  # out of them
    LoanClock.objects.filter(loan__loan_no="LB001").update(township=units.town_a, balance=None)
    assert stored() == counted()


def test_a_bulk_update_of_many_rows_in_one_statement_moves_the_totals(clocks):
    rows = [SimpleNamespace(pk=pk, status="due_3m", guarantee_alerts=1) for pk in LoanClock.objects.values_list("pk", flat=True)]
    bulk.update_objects(LoanClock, rows + rows[:1], ["status", "guarantee_alerts"])  # one row written twice
    assert stored() == counted()
    assert sum(n for (_t, _s, _l, status, *_), (n, _g, _c) in stored().items() if status == "due_3m") == len(rows) - 1


def test_inserted_and_deleted_clocks_move_the_totals(clocks, units):
    testing.loan("LA010", testing.borrower(33, "王十三"), units.town_a, units.branch_a, balance="5000.00")
    derived.refresh(setup=True)
    assert stored() == counted()
    Loan.objects.filter(loan_no__in=["LB009", "LA001"]).delete()  # their clocks go with them
    LoanClock.objects.filter(loan__loan_no="LA003").delete()
    assert stored() == counted()


def test_the_check_names_a_total_that_is_not_a_count_of_the_rows(clocks):
    ClockTotal.objects.filter(loans__gt=0, status="due_1m").update(loans=F("loans") + 1)
    found = derived.check(only=["clocks"])
    assert found.total == 1
    (diff,) = found.examples["clocks"]
    assert diff.loan_id is None and diff.key.startswith("totals(") and diff.stored[0] == diff.computed[0] + 1


def test_the_alert_page_and_the_district_home_count_no_clock_row(clocks, client_for):
    for url in (reverse("collection:clock_alerts"), "/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client_for("district_admin").get(url).status_code == 200
        counting = [q["sql"] for q in ctx.captured_queries
                    if "collection_loanclock" in q["sql"] and ("COUNT(" in q["sql"].upper() or "SUM(" in q["sql"].upper())]
        assert counting == [], url
        assert any("collection_clocktotal" in q["sql"] for q in ctx.captured_queries), url


def test_a_collectors_page_counts_the_collectors_own_clocks(clocks, client_for):
    with CaptureQueriesContext(connection) as ctx:
        response = client_for("collector").get(reverse("collection:clock_alerts"))
    assert response.context["total"] == 1  # LA001, assigned to the collector
    assert not any("collection_clocktotal" in q["sql"] for q in ctx.captured_queries)


def test_the_totals_count_balances_to_the_cent(clocks):
    LoanClock.objects.filter(loan__loan_no="LA001").update(balance=Decimal("0.01"))
    LoanClock.objects.filter(loan__loan_no="LA003").update(balance=Decimal("0.00"))
    assert stored() == counted()
