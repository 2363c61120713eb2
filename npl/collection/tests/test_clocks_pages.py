"""The alert list per township and a loan's clock page: grouped by urgency, scoped, 404 outside scope."""
import datetime as dt

import pytest
from django.urls import reverse

from npl.collection.clocks import loan_clock_context
from npl.collection.models import CollectionAction
from npl.loans.models import Guarantor

ALERTS = reverse("collection:clock_alerts")


def page(client, **params):
    return client.get(ALERTS, params)


def group_of(response, loan_no):
    for code, _title, rows in response.context["groups"]:
        if any(loan.loan_no == loan_no for loan, _ in rows):
            return code
    return None


@pytest.fixture
def ledger(loans):
    # Every fixture loan matures 2023-03-15 (deadline 2026-03-15); LA001's signed notice of 2023-09-10 moves it
    # to 2026-09-10.
    CollectionAction.objects.create(loan=loans["LA001"], acted_on=dt.date(2023, 9, 10), method="letter", signature="borrower")
    return loans


def test_township_admin_sees_own_township_grouped_by_urgency(client_for, ledger):
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2026-01-10")
    assert r.status_code == 200
    assert group_of(r, "LA001") is None  # ok: 2026-09-10 is more than six months away
    assert group_of(r, "LA003") == "due_3m"
    assert group_of(r, "LA002") == "due_3m"  # its suit is filed on 2026-02-10, after this as-of day
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2026-03-31")
    assert group_of(r, "LA001") == "due_6m" and group_of(r, "LA003") == "lapsed"
    assert group_of(r, "LA002") is None and r.context["suspended"] == 1
    assert "LA001" in r.content.decode() and "LB001" not in r.content.decode()


def test_a_township_outside_the_users_scope_is_404(client_for, ledger):
    assert page(client_for("township_admin"), township="桃源乡").status_code == 404
    assert page(client_for("township_admin"), township="不存在镇").status_code == 404


def test_collector_sees_only_own_loans_and_their_township_is_preselected(client_for, ledger):
    r = page(client_for("collector"), as_of="2026-03-31")
    assert r.context["town"].name == "柳溪镇"
    listed = {loan.loan_no for _c, _t, rows in r.context["groups"] for loan, _ in rows}
    assert listed == {"LA001"}


def test_district_admin_picks_a_township_first(client_for, ledger):
    r = page(client_for("district_admin"))
    assert r.context["town"] is None and "请选择乡镇" in r.content.decode()
    r = page(client_for("district_admin"), township="桃源乡", as_of="2026-03-31")
    assert {group_of(r, "LB001"), group_of(r, "LB002")} == {"lapsed"}


def test_unreadable_as_of_falls_back_to_today_with_a_message(client_for, ledger):
    r = page(client_for("township_admin"), township="柳溪镇", as_of="31/03/2026")
    assert r.status_code == 200 and "无法识别" in r.content.decode()


def test_guarantee_periods_about_to_end_are_listed(client_for, ledger):
    Guarantor.objects.create(loan=ledger["LA001"], name="李四")  # ends 2023-09-15
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2023-07-01")
    assert [(loan.loan_no, g.ends_on) for loan, g in r.context["guarantees"]] == [("LA001", dt.date(2023, 9, 15))]


def test_anonymous_is_sent_to_login(client):
    assert page(client).status_code == 302


def test_loan_clock_page_shows_deadline_basis_and_trail(client_for, ledger):
    r = client_for("collector").get(reverse("collection:loan_clocks", args=["LA001"]), {"as_of": "2026-01-10"})
    text = r.content.decode()
    assert r.status_code == 200
    assert "2026-09-10" in text and "催收通知签收" in text and "中断" in text
    assert 'style="' not in text and "<script>" not in text


def test_loan_clock_page_is_404_outside_scope(client_for, ledger):
    assert client_for("collector").get(reverse("collection:loan_clocks", args=["LA002"])).status_code == 404
    assert client_for("branch_staff").get(reverse("collection:loan_clocks", args=["LA003"])).status_code == 404


def test_partial_renders_on_its_own_for_the_loan_page(ledger):
    from django.template.loader import render_to_string

    html = render_to_string("collection/_loan_clocks.html", loan_clock_context(ledger["LA002"], dt.date(2026, 3, 31)))
    assert "诉讼中" in html and "银行起诉" in html
