"""The alert list per township and a loan's clock page: grouped by urgency, scoped, 404 outside scope."""
import datetime as dt
import io

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


def test_district_admin_sees_the_whole_district_first_and_may_pick_a_township(client_for, ledger):
    r = page(client_for("district_admin"), as_of="2026-03-31")
    assert r.context["town"] is None and r.context["whole_district"]
    assert {group_of(r, "LA003"), group_of(r, "LB001"), group_of(r, "LB002")} == {"lapsed"}
    text = r.content.decode()
    assert "法律时效预警 · 全区" in text and '<option value="全区" selected>全区</option>' in text
    assert "<th>乡镇</th>" in text and "桃源乡" in text
    r = page(client_for("district_admin"), township="桃源乡", as_of="2026-03-31")
    assert {group_of(r, "LB001"), group_of(r, "LB002")} == {"lapsed"} and group_of(r, "LA003") is None


def test_the_court_also_reads_the_whole_district(client_for, ledger):
    r = page(client_for("court_liaison"), as_of="2026-03-31")
    assert r.status_code == 200 and r.context["whole_district"]


def test_a_township_admin_is_not_offered_the_whole_district(client_for, ledger):
    r = page(client_for("township_admin"), township="全区", as_of="2026-03-31")
    assert r.context["town"].name == "柳溪镇" and not r.context["whole_district"]
    assert '<option value="全区"' not in r.content.decode()


def test_a_long_list_is_paged_and_the_links_keep_the_query(client_for, ledger, units):
    from npl import testing

    for i in range(55):
        testing.loan(f"LP{i:03d}", testing.borrower(100 + i, "赵六"), units.town_b, units.branch_b)
    r = page(client_for("district_admin"), as_of="2026-03-31")
    lapsed = dict((code, rows) for code, _t, rows in r.context["groups"])["lapsed"]
    assert (lapsed.paginator.count, len(lapsed.object_list), lapsed.paginator.num_pages) == (58, 50, 2)
    assert "township=%E5%85%A8%E5%8C%BA" not in lapsed.next_link and "as_of=2026-03-31" in lapsed.next_link
    assert "page_lapsed=2" in lapsed.next_link and "第 1 / 2 页，共 58 笔" in r.content.decode()
    r = client_for("district_admin").get(ALERTS + lapsed.next_link)
    lapsed = dict((code, rows) for code, _t, rows in r.context["groups"])["lapsed"]
    assert (lapsed.number, len(lapsed.object_list)) == (2, 8)


def test_a_deadline_on_a_sunday_shows_the_nominal_day_and_why_it_moved(client_for, ledger):
    # The fixture loans mature 2023-03-15: three years on is Sunday 2026-03-15, so they lapse after Monday the 16th.
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2026-03-16")
    assert group_of(r, "LA003") == "due_1m"  # the Monday is still within the period
    assert "2026-03-16" in r.content.decode() and "名义届满日 2026-03-15，因周末顺延至3月16日" in r.content.decode()
    assert group_of(page(client_for("township_admin"), township="柳溪镇", as_of="2026-03-17"), "LA003") == "lapsed"


def test_nothing_on_the_clock_pages_is_a_code(client_for, ledger):
    import re

    from npl.collection.clocks import BASIS_LABELS, STATUS_LABELS

    codes = (set(STATUS_LABELS) | set(BASIS_LABELS) | {"due_", "_by_", "signed", "newspaper"}) - {"ok"}
    for url, params in ((ALERTS, {"as_of": "2026-03-31"}), (reverse("collection:loan_clocks", args=["LA001"]), {"as_of": "2026-01-10"})):
        html = client_for("district_admin").get(url, params).content.decode()
        visible = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])  # the text people read, without class names
        assert "2026-09-10" in visible and "LA001" in visible
        assert [code for code in codes if code in visible] == [] and not re.search(r"(?<![A-Za-z])ok(?![A-Za-z])", visible)


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


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_export_holds_every_alert_row_with_the_extended_deadline_and_why(client_for, ledger, units):
    from npl import testing

    for i in range(55):
        testing.loan(f"LP{i:03d}", testing.borrower(100 + i, "赵六"), units.town_b, units.branch_b)
    r = client_for("district_admin").get(reverse("collection:clock_alerts_xlsx"), {"as_of": "2026-03-16"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    sheets = read_xlsx(r.content)
    assert list(sheets) == ["诉讼时效", "申请执行期限", "保证期间", "保证人诉讼时效"]
    rows = sheets["诉讼时效"]
    assert rows[3][:4] == ["借据号", "乡镇", "借款人", "本金余额（元）"]
    la003 = next(row for row in rows[4:] if row[0] == "LA003")
    assert la003[1:3] == ["柳溪镇", "单*"]
    assert la003[4:8] == ["1个月内届满", "2026-03-16", "2026-03-15", "因周末顺延至3月16日"]
    assert len([row for row in rows[4:] if row[0].startswith("LP")]) == 55  # every row, not one page


def test_the_export_keeps_to_the_persons_scope(client_for, ledger):
    url = reverse("collection:clock_alerts_xlsx")
    assert client_for("township_admin").get(url, {"township": "桃源乡"}).status_code == 404
    rows = read_xlsx(client_for("collector").get(url, {"as_of": "2026-03-31"}).content)["诉讼时效"]
    assert [row[0] for row in rows[4:]] == ["LA001"]
