"""The home pages' clock and category figures read today's stored rows by their own township (issue 16): for every
role and scope they are the figures computed the old way — each loan's clock computed, its balance through
loans.balances, its categories by the engine — and nothing of another district."""
import datetime as dt

import pytest
from django.db.models import Count
from django.urls import reverse

from npl import testing
from npl.categories.reports import category_figures, scoped_loans, visible_codes
from npl.collection.clocks.store import stored_for
from npl.conftest import login
from npl.core import derived
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan
from npl.reports.dashboards import categories, clock_counts, computed_clock_counts
from npl.reports.snapshots import AT_RISK

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(district_two, loans, units, cast):
    """The two districts' loans, plus a settled loan of town A that lapsed (no balance: not counted) and a loan of
    town B lapsing within a month; each district's people as role → User."""
    today = derived.today()
    testing.loan("LA009", testing.borrower(31, "吴十"), units.town_a, units.branch_a, balance="0.00",
                 status="settled", maturity=today.replace(year=today.year - 4))
    testing.loan("LB009", testing.borrower(32, "郑十一"), units.town_b, units.branch_b, balance="42000.00",
                 maturity=today.replace(year=today.year - 3) + dt.timedelta(days=20))
    derived.refresh(setup=True)
    return {"first": cast, "two": district_two.cast, "city": district_two.city_finance}


def old_clock_counts(user) -> dict[str, int]:
    """What the home counted before: every clock of the user's loans with a balance today, computed."""
    counts = computed_clock_counts(Loan.objects.for_user(user), derived.today())
    return {s: counts.get(s, 0) for s in AT_RISK}


def old_stored_clock_counts(user) -> dict[str, int]:
    """…and what it counted from the stored rows: the loans with a balance through loans.balances, joined to their clock."""
    loans = with_balance(Loan.objects.for_user(user), derived.today()).filter(**{f"{BALANCE}__gt": 0})
    counts = {r["clock__status"]: r["n"] for r in loans.order_by().values("clock__status").annotate(n=Count("pk"))}
    return {s: counts.get(s, 0) for s in AT_RISK}


def old_categories(user, township=None) -> dict[str, tuple]:
    """The nine categories by the engine (not the stored rows), as (count, amount) per code the user may see."""
    figs = category_figures(scoped_loans(township=township, user=user), derived.today(), visible_codes(user),
                            stored_today=False)
    return {code: (f["count"], f["amount"]) for code, f in figs.items()}


PEOPLE = [("first", "district_admin"), ("first", "district_leader"), ("first", "township_admin"),
          ("first", "collector"), ("first", "branch_staff"), ("first", "court_liaison"), ("first", "police_liaison"),
          ("two", "district_admin"), ("two", "township_admin"), ("two", "branch_staff")]


@pytest.mark.parametrize(("district", "role"), PEOPLE)
def test_the_clocks_at_risk_on_a_home_are_the_computed_ones_for_every_scope(portfolio, district, role):
    user = portfolio[district][role]
    assert stored_for(derived.today())  # the stored rows answer: the page reads them, not a computation
    shown = {c["status"]: c["count"] for c in clock_counts(user, Loan.objects.for_user(user))}
    assert shown == old_clock_counts(user) == old_stored_clock_counts(user)


def test_the_settled_loan_without_a_balance_is_not_counted_and_the_lapsing_one_is(portfolio):
    district_admin = portfolio["first"]["district_admin"]
    shown = {c["status"]: c["count"] for c in clock_counts(district_admin, Loan.objects.for_user(district_admin))}
    assert shown["due_1m"] == 1  # LB009
    assert shown["lapsed"] == old_clock_counts(district_admin)["lapsed"] > 0


@pytest.mark.parametrize(("district", "role"), PEOPLE)
def test_the_categories_on_a_home_are_the_engines_for_every_scope(portfolio, district, role):
    user = portfolio[district][role]
    township = user.township if role == "township_admin" else None
    shown = {c["code"]: (c["count"], c["amount"]) for c in categories(user, township=township)}
    old = old_categories(user, township)
    assert {code: (n, f"{amount:.2f}") for code, (n, amount) in old.items() if code in shown} == shown
    assert any(n for n, _ in shown.values()) or role in ("collector", "branch_staff")


def test_the_city_office_reads_both_districts_and_each_district_only_its_own(portfolio):
    city, first, two = portfolio["city"], portfolio["first"]["district_admin"], portfolio["two"]["district_admin"]
    both = {c["status"]: c["count"] for c in clock_counts(city, Loan.objects.for_user(city))}
    one = {c["status"]: c["count"] for c in clock_counts(first, Loan.objects.for_user(first))}
    other = {c["status"]: c["count"] for c in clock_counts(two, Loan.objects.for_user(two))}
    assert both == old_clock_counts(city) == {s: one[s] + other[s] for s in AT_RISK}
    shown = {c["code"]: c["count"] for c in categories(city)}
    assert shown == {code: n for code, (n, _) in old_categories(city).items() if code in shown}


@pytest.mark.parametrize(("district", "role"), [("first", "district_admin"), ("first", "township_admin"),
                                                ("two", "district_admin"), ("two", "township_admin")])
def test_the_home_page_shows_those_figures(portfolio, district, role):
    user = portfolio[district][role]
    ctx = login(user).get(reverse("home")).context
    assert {c["status"]: c["count"] for c in ctx["clocks"]} == old_clock_counts(user)
    township = user.township if role == "township_admin" else None
    assert {c["code"]: c["count"] for c in ctx["categories"]} == {
        code: n for code, (n, _) in old_categories(user, township).items() if code in {c["code"] for c in ctx["categories"]}}


def test_before_the_rows_answer_for_today_the_home_computes_the_same_figures(portfolio):
    from npl.core.models import Setting

    user = portfolio["first"]["township_admin"]
    Setting.objects.filter(key="derived_complete:clocks").update(value="2000-01-01")
    assert not stored_for(derived.today())
    shown = {c["status"]: c["count"] for c in clock_counts(user, Loan.objects.for_user(user))}
    assert shown == old_clock_counts(user)
