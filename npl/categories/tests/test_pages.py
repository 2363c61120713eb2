"""Report pages per role: a township admin sees only their township, the discipline liaison only public servants."""
import datetime as dt

import pytest

from npl.categories.tests.conftest import on_roster

TODAY_QS = "?as_of=2026-04-01"


def test_the_district_admin_sees_the_district_and_any_township(client_for, loans, units):
    c = client_for("district_admin")
    page = c.get("/categories/" + TODAY_QS)
    assert page.status_code == 200
    assert "西岭区" in page.content.decode()
    assert [r["count"] for r in page.context["report"]["categories"] if r["code"] == "public_servant"] == [1]
    town_b = c.get(f"/categories/{TODAY_QS}&township={units.town_b.pk}")
    assert town_b.status_code == 200 and town_b.context["scope"].label == "桃源乡"


def test_a_township_admin_is_held_to_their_township_and_refused_another(client_for, loans, units):
    c = client_for("township_admin")
    page = c.get("/categories/" + TODAY_QS)
    assert page.context["scope"].label == "柳溪镇"
    rows = {r["code"]: r for r in page.context["report"]["categories"]}
    assert rows["public_servant"]["count"] == 0  # LB001 is in 桃源乡
    assert rows["lost_contact"]["count"] == 1
    assert c.get(f"/categories/{TODAY_QS}&township={units.town_b.pk}").status_code == 404
    assert c.get(f"/categories/public_servant/{TODAY_QS}&township={units.town_b.pk}").status_code == 404


def test_the_discipline_liaison_sees_the_public_servant_category_and_nothing_else(client_for, loans):
    c = client_for("discipline_liaison")
    page = c.get("/categories/" + TODAY_QS)
    assert [r["code"] for r in page.context["report"]["categories"]] == ["public_servant"]
    listing = c.get("/categories/public_servant/" + TODAY_QS)
    assert [ln.loan_no for ln in listing.context["page"]] == ["LB001"]
    assert c.get("/categories/lost_contact/" + TODAY_QS).status_code == 404
    assert c.get("/categories/township-report.docx" + TODAY_QS).status_code == 403


def test_a_collector_sees_figures_of_their_own_loans_only(client_for, loans):
    on_roster(loans["LA001"].borrower, "dibao", valid_from=dt.date(2026, 1, 1))  # brings LB002 (another town) in too
    c = client_for("collector")
    rows = {r["code"]: r for r in c.get("/categories/" + TODAY_QS).context["report"]["categories"]}
    assert rows["special_household"]["count"] == 1
    assert rows["litigation"]["count"] == 0


def test_each_figure_links_to_its_loans(client_for, loans):
    c = client_for("district_admin")
    page = c.get("/categories/litigation/" + TODAY_QS)
    assert [ln.loan_no for ln in page.context["page"]] == ["LA002"]
    assert "/categories/litigation/?as_of=2026-04-01" in c.get("/categories/" + TODAY_QS).content.decode()


@pytest.mark.parametrize("path", ["export.xlsx", "export.docx", "township-report.docx"])
def test_exports_download_as_files(client_for, loans, path):
    resp = client_for("township_admin").get(f"/categories/{path}{TODAY_QS}")
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp.content[:2] == b"PK"


def test_an_outsider_without_a_role_is_refused(client_for, loans):
    assert client_for("outsider").get("/categories/").status_code == 403
    assert client_for(None).get("/categories/").status_code == 302
