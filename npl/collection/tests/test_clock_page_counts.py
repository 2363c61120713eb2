"""The alert page counts today's stored clocks in one query, from the stored totals for a scope of whole townships
(issue 16): for every role and scope its summary and each of its lists show the counts and rows a computation of
every clock gives, and nothing of another district."""
import datetime as dt

import pytest
from django.urls import reverse

from npl import testing
from npl.collection.clocks.store import stored_for
from npl.collection.views import ALERT_GROUPS, LISTS, _alert_loans, _alerts
from npl.conftest import login
from npl.core import derived
from npl.loans.models import Loan
from npl.org.models import Township

pytestmark = pytest.mark.django_db
ALERTS = reverse("collection:clock_alerts")


@pytest.fixture
def portfolio(district_two, loans, units, cast):
    """Both districts' loans, a settled loan of town A whose period lapsed (left off the page) and one of town B
    lapsing within a month and guaranteed by someone never asked to pay."""
    today = derived.today()
    testing.loan("LA009", testing.borrower(31, "吴十"), units.town_a, units.branch_a, balance="0.00",
                 status="settled", maturity=today.replace(year=today.year - 4))
    lapsing = testing.loan("LB009", testing.borrower(32, "郑十一"), units.town_b, units.branch_b, balance="42000.00",
                           maturity=today.replace(year=today.year - 3) + dt.timedelta(days=20))
    lapsing.guarantors.create(name="冯十二", guarantee_months=36)
    derived.refresh(setup=True)
    return {"first": cast, "two": district_two.cast, "city": district_two.city_finance, "district_two": district_two}


def computed(user, town=None, district=None) -> dict:
    """What the page shows when every clock of its loans is computed (its other days' path)."""
    visible = Loan.objects.for_user(user)
    if district is not None:
        visible = visible.filter(township__district=district)
    found = _alerts(_alert_loans(visible, town), derived.today())
    return {
        "total": sum(found["counts"].values()), "ok": found["counts"]["ok"],
        "suspended": found["counts"]["suspended_by_suit"],
        "groups": {code: [loan.loan_no for loan, _ in found["groups"][code]] for code in ALERT_GROUPS},
        "enforcement": [loan.loan_no for loan, _ in found["enforcement"]],
        "guarantees": [(loan.loan_no, g.name) for loan, g in found["guarantees"]],
        "claims": [(loan.loan_no, g.name) for loan, g in found["guarantor_claims"]],
        "schedule_missing": sum(1 for rows in found["groups"].values() for _, c in rows if c.schedule_missing),
    }


def shown(client, params: dict) -> dict:
    """What the page shows: its summary's figures, and the rows of each list opened from the summary."""
    first = client.get(ALERTS, params)
    ctx = first.context
    rows = {}
    for entry in ctx["lists"]:
        assert entry["url"].startswith("?") and f"list={entry['name']}" in entry["url"]
        listed = client.get(ALERTS + entry["url"]).context
        assert listed["shown"] == entry["name"] and listed["rows"].paginator.count == entry["count"]
        rows[entry["name"]] = list(listed["rows"])
    return {
        "total": ctx["total"], "ok": ctx["ok"], "suspended": ctx["suspended"],
        "groups": {code: [loan.loan_no for loan, _ in rows[code]] for code in ALERT_GROUPS},
        "enforcement": [loan.loan_no for loan, _ in rows["enforcement"]],
        "guarantees": [(loan.loan_no, g.name) for loan, g in rows["guarantees"]],
        "claims": [(loan.loan_no, g.name) for loan, g in rows["guarantor_claims"]],
        "schedule_missing": ctx["schedule_missing"],
    }


def summary(response) -> dict:
    """The summary's entries: list → (loans, guarantors or None)."""
    return {entry["name"]: (entry["count"], entry["people"]) for entry in response.context["lists"]}


@pytest.mark.parametrize(("district", "role", "township"), [
    ("first", "district_admin", "全区"), ("first", "district_leader", "全区"), ("first", "district_admin", "桃源乡"),
    ("first", "township_admin", ""), ("first", "court_liaison", "全区"), ("first", "branch_staff", "柳溪镇"),
    ("first", "collector", ""), ("two", "district_admin", "全区"), ("two", "township_admin", ""),
])
def test_the_page_shows_what_computing_every_clock_shows(portfolio, district, role, township):
    user = portfolio[district][role]
    assert stored_for(derived.today())
    client = login(user)
    response = client.get(ALERTS, {"township": township})
    assert response.status_code == 200
    town = response.context["town"]
    assert response.context["towns"] == list(
        Township.objects.filter(pk__in=Loan.objects.for_user(user).values("township_id")).order_by("name"))
    expected = computed(user, town)
    assert shown(client, {"township": township}) == expected
    assert {code: n for code, (n, _people) in summary(response).items() if code in ALERT_GROUPS} == {
        code: len(rows) for code, rows in expected["groups"].items()}
    people = {name: p for name, (_n, p) in summary(response).items() if p is not None}
    assert people == {"guarantees": len(expected["guarantees"]), "guarantor_claims": len(expected["claims"])}
    assert list(summary(response)) == list(LISTS)


def test_the_settled_loan_is_left_off_and_the_guarantor_of_the_lapsing_one_is_listed(portfolio):
    page = shown(login(portfolio["first"]["district_admin"]), {"township": "全区"})
    assert "LA009" not in page["groups"]["lapsed"] and "LB009" in page["groups"]["due_1m"]
    assert [loan for loan, _ in page["guarantees"]] == ["LB009"]
    assert page["total"] == Loan.objects.filter(township__district=portfolio["district_two"].first).exclude(
        status="settled").count()


def test_the_city_office_reads_one_district_whole_and_nothing_of_the_other(portfolio):
    two = portfolio["district_two"]
    client = login(portfolio["city"])
    response = client.get(ALERTS, {"district": two.district.pk, "township": "全区"})
    page = shown(client, {"district": two.district.pk, "township": "全区"})
    assert response.context["towns"] == [two.town]
    assert page == computed(portfolio["city"], district=two.district)
    assert page["total"] == 5 and not set(sum(page["groups"].values(), [])) - set(two.loans)


def test_a_township_admin_asking_for_another_township_gets_a_404(portfolio):
    other = Township.objects.get(name="桃源乡")
    assert login(portfolio["first"]["township_admin"]).get(ALERTS, {"township": other.pk}).status_code == 404


def test_a_stored_balance_or_settled_flag_that_is_not_the_loans_is_a_difference(portfolio):
    from npl.collection.models import LoanClock

    LoanClock.objects.filter(loan__loan_no="LB009").update(balance=0)
    LoanClock.objects.filter(loan__loan_no="LA009").update(settled=False)
    found = derived.check(only=["clocks"])
    assert sorted(d.key for d in found.examples["clocks"]) == ["balance", "settled"]
    derived.rebuild(only=["clocks"])
    assert derived.check(only=["clocks"]).total == 0
