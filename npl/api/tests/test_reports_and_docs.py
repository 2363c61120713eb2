"""Report endpoints answer the same dicts as the command line, within the person's scope; the schema and docs page."""
import datetime as dt
import re

import pytest

from npl.campaigns.figures import summary
from npl.campaigns.services import create_campaign
from npl.categories.reports import category_report
from npl.collection.clocks.gather import clocks_report

DAY = dt.date(2026, 4, 1)


def test_category_report_is_the_reports_dict_for_the_scope(loans, cast, api_client):
    response = api_client("township_admin", via="token").get("/api/categories/report/", {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    expected = category_report(township=loans["LA001"].township, as_of=DAY, user=cast["township_admin"])
    assert response.json()["categories"] == expected["categories"]
    lost = next(c for c in response.json()["categories"] if c["code"] == "lost_contact")
    assert (lost["count"], lost["amount"]) == (1, "80000.00")


def test_a_township_role_asking_for_another_township_gets_404(loans, units, api_client):
    response = api_client("township_admin").get("/api/categories/report/", {"township": units.town_b.pk})
    assert response.status_code == 404


def test_a_bad_day_is_a_400_naming_the_parameter(loans, api_client):
    response = api_client("district_admin").get("/api/categories/report/", {"as_of": "2026-02-30"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["as_of"]


def test_campaign_summary_is_the_figures_summary(loans, cast, api_client):
    campaign = create_campaign("2026春季清收", dt.date(2026, 3, 31), user=cast["district_admin"])
    response = api_client("district_leader", via="token").get(f"/api/campaigns/{campaign.pk}/summary/",
                                                              {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    assert response.json() == summary(campaign, DAY, user=cast["district_leader"])
    assert response.json()["task_amount"] == "1680000.00"


def test_campaigns_are_not_for_the_court(loans, cast, api_client):
    create_campaign("2026春季清收", dt.date(2026, 3, 31), user=cast["district_admin"])
    assert api_client("court_liaison", via="token").get("/api/campaigns/").status_code == 403


def test_clocks_report_lists_only_the_loans_in_scope(loans, cast, api_client):
    response = api_client("branch_staff", via="token").get("/api/clocks/", {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    assert response.json()["loans"] == clocks_report(as_of=DAY, user=cast["branch_staff"])["loans"]
    assert [row["loan_no"] for row in response.json()["loans"]] == ["LA001", "LA002"]


def test_the_schema_documents_every_error_status_in_the_one_shape(db, client_for):
    schema = client_for("collector").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404"):
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}, (path, method, code)


def test_docs_page_loads_its_scripts_and_styles_from_files_only(db, client_for):
    client = client_for("collector")
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r"<script>|<style>|style=", html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert all(src.startswith("/static/") or src.startswith("/api/docs/") for src in scripts)
    init = client.get(next(src for src in scripts if src.startswith("/api/docs/")).replace("&amp;", "&"))
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


@pytest.mark.parametrize("url", ["/api/nothing-here/", "/api/loans/LA001/nothing/"])
def test_an_unknown_api_address_is_a_json_404(url, db, client):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["district_admin", "township_admin", "branch_staff", "court_liaison"])
def test_suggestions_are_the_advice_engines_for_the_loans_in_scope(role, loans, cast, api_client):
    from npl.advice.services import suggestions_for
    from npl.conftest import VISIBLE
    from npl.loans.models import Loan

    response = api_client(role, via="token").get("/api/suggestions/", {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    got = response.json()["suggestions"]
    expected = suggestions_for(Loan.objects.for_user(cast[role]), DAY)
    assert [(s["loan_no"], s["rule"], s["due"]) for s in got] == [(s.loan_no, s.rule, s.due.isoformat()) for s in expected]
    assert {s["loan_no"] for s in got} <= VISIBLE[role]
    if role == "district_admin":
        assert got, "the fixture's loans (matured 2023, no action) should draw suggestions"


def test_suggestions_for_a_loan_outside_the_scope_are_404(loans, api_client):
    assert api_client("township_admin").get("/api/suggestions/", {"loan_no": "LB001"}).status_code == 404


def test_suggestions_for_another_township_are_404_as_the_reports_are(loans, units, api_client):
    client = api_client("township_admin", via="token")
    own = client.get("/api/suggestions/", {"township": units.town_a.pk, "as_of": DAY.isoformat()})
    other = client.get("/api/suggestions/", {"township": units.town_b.pk, "as_of": DAY.isoformat()})
    assert own.status_code == 200 and {s["loan_no"] for s in own.json()["suggestions"]} <= {"LA001", "LA002", "LA003"}
    assert (other.status_code, other.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize("url", ["/api/clocks/", "/api/categories/report/", "/api/suggestions/"])
def test_an_account_without_a_role_gets_no_report(url, loans, api_client):
    response = api_client("outsider").get(url)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您的账号尚未分配角色"


def test_loans_filter_by_category_as_on_the_page(loans, api_client):
    response = api_client("district_admin", via="token").get("/api/loans/", {"category": "lost_contact"})
    assert [row["loan_no"] for row in response.json()["results"]] == ["LA003"]


def test_loans_filter_by_unit_id_and_balance_and_order(loans, units, api_client):
    client = api_client("district_admin", via="token")
    found = client.get("/api/loans/", {"township": units.town_a.pk, "balance_min": "90000", "ordering": "-principal_balance"})
    assert [(r["loan_no"], r["principal_balance"]) for r in found.json()["results"]] == [
        ("LA002", "250000.00"), ("LA001", "100000.00")]
    # A township outside the caller's scope matches nothing, exactly like one that does not exist.
    township_admin = api_client("township_admin", via="token")
    assert township_admin.get("/api/loans/", {"township": units.town_b.pk}).json()["count"] == 0
    assert township_admin.get("/api/loans/", {"township": 999999}).json()["count"] == 0
