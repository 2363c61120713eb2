"""The alert page per township and a loan's clock page: every list counted in a summary, one list shown at a time
(grouped by urgency), scoped, 404 outside scope."""
import datetime as dt
import io

import pytest
from django.urls import reverse

from npl.collection.clocks import loan_clock_context
from npl.collection.models import CollectionAction
from npl.collection.views import ALERT_GROUPS
from npl.loans.models import Guarantor

ALERTS = reverse("collection:clock_alerts")


def page(client, **params):
    return client.get(ALERTS, params)


def listed(client, name, **params) -> list[str]:
    """The loan numbers of one list of the page (?list=name), its first page."""
    return [loan.loan_no for loan, _ in page(client, list=name, **params).context["rows"]]


def group_of(client, loan_no, **params):
    """The limitation group listing the loan, None when it is in none."""
    return next((code for code in ALERT_GROUPS if loan_no in listed(client, code, **params)), None)


@pytest.fixture
def ledger(loans):
    # Every fixture loan matures 2023-03-15 (deadline 2026-03-15); LA001's signed notice of 2023-09-10 moves it
    # to 2026-09-10.
    CollectionAction.objects.create(loan=loans["LA001"], acted_on=dt.date(2023, 9, 10), method="letter", signature="borrower")
    return loans


def test_township_admin_sees_own_township_grouped_by_urgency(client_for, ledger):
    client = client_for("township_admin")
    params = {"township": "柳溪镇", "as_of": "2026-01-10"}
    assert page(client, **params).status_code == 200
    assert group_of(client, "LA001", **params) is None  # ok: 2026-09-10 is more than six months away
    assert group_of(client, "LA003", **params) == "due_3m"
    assert group_of(client, "LA002", **params) == "due_3m"  # its suit is filed on 2026-02-10, after this as-of day
    params["as_of"] = "2026-03-31"
    assert group_of(client, "LA001", **params) == "due_6m" and group_of(client, "LA003", **params) == "lapsed"
    r = page(client, list="due_6m", **params)
    assert group_of(client, "LA002", **params) is None and r.context["suspended"] == 1
    assert "LA001" in r.content.decode() and "LB001" not in r.content.decode()


def test_a_township_outside_the_users_scope_is_404(client_for, ledger):
    assert page(client_for("township_admin"), township="桃源乡").status_code == 404
    assert page(client_for("township_admin"), township="不存在镇").status_code == 404


def test_collector_sees_only_own_loans_and_their_township_is_preselected(client_for, ledger):
    r = page(client_for("collector"), as_of="2026-03-31")
    assert r.context["town"].name == "柳溪镇"
    assert {n for code in ALERT_GROUPS for n in listed(client_for("collector"), code, as_of="2026-03-31")} == {"LA001"}


def test_district_admin_sees_the_whole_district_first_and_may_pick_a_township(client_for, ledger):
    client = client_for("district_admin")
    r = page(client, as_of="2026-03-31")
    assert r.context["town"] is None and r.context["whole_district"]
    assert set(listed(client, "lapsed", as_of="2026-03-31")) == {"LA003", "LB001", "LB002"}
    text = r.content.decode()
    assert "法律时效预警 · 全区" in text and '<option value="全区" selected>全区</option>' in text
    assert "<th>乡镇</th>" in text and "桃源乡" in text
    assert set(listed(client, "lapsed", township="桃源乡", as_of="2026-03-31")) == {"LB001", "LB002"}


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
    assert r.context["shown"] == "lapsed"  # the most urgent list holding a loan
    lapsed = r.context["rows"]
    assert (lapsed.paginator.count, len(lapsed.object_list), lapsed.paginator.num_pages) == (58, 50, 2)
    assert "township=%E5%85%A8%E5%8C%BA" not in lapsed.next_link and "as_of=2026-03-31" in lapsed.next_link
    assert "list=lapsed" in lapsed.next_link and "page=2" in lapsed.next_link
    assert "第 1 / 2 页，共 58 笔" in r.content.decode()
    r = client_for("district_admin").get(ALERTS + lapsed.next_link)
    assert (r.context["shown"], r.context["rows"].number, len(r.context["rows"].object_list)) == ("lapsed", 2, 8)


def test_a_deadline_on_a_sunday_shows_the_nominal_day_and_why_it_moved(client_for, ledger):
    # The fixture loans mature 2023-03-15: three years on is Sunday 2026-03-15, so they lapse after Monday the 16th.
    client = client_for("township_admin")
    assert group_of(client, "LA003", township="柳溪镇", as_of="2026-03-16") == "due_1m"  # the Monday is still within
    r = page(client, township="柳溪镇", as_of="2026-03-16", list="due_1m")
    assert "2026-03-16" in r.content.decode() and "名义届满日 2026-03-15，因周末顺延至3月16日" in r.content.decode()
    assert group_of(client, "LA003", township="柳溪镇", as_of="2026-03-17") == "lapsed"


def test_nothing_on_the_clock_pages_is_a_code(client_for, ledger):
    import re

    from npl.collection.clocks import BASIS_LABELS, STATUS_LABELS

    codes = (set(STATUS_LABELS) | set(BASIS_LABELS) | {"due_", "_by_", "signed", "newspaper"}) - {"ok"}
    for url, params in ((ALERTS, {"as_of": "2026-03-31", "list": "due_6m"}), (reverse("collection:loan_clocks", args=["LA001"]), {"as_of": "2026-01-10"})):
        html = client_for("district_admin").get(url, params).content.decode()
        visible = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])  # the text people read, without class names
        assert "2026-09-10" in visible and "LA001" in visible
        assert [code for code in codes if code in visible] == [] and not re.search(r"(?<![A-Za-z])ok(?![A-Za-z])", visible)


def test_unreadable_as_of_falls_back_to_today_with_a_message(client_for, ledger):
    r = page(client_for("township_admin"), township="柳溪镇", as_of="31/03/2026")
    assert r.status_code == 200 and "无法识别" in r.content.decode()


def test_guarantee_periods_about_to_end_are_listed(client_for, ledger):
    Guarantor.objects.create(loan=ledger["LA001"], name="李四")  # ends 2023-09-15
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2023-07-01", list="guarantees")
    assert [(loan.loan_no, g.ends_on) for loan, g in r.context["rows"]] == [("LA001", dt.date(2023, 9, 15))]
    assert "保证期间即将届满</span> 1 人" in r.content.decode()


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


def test_the_summary_counts_every_list_and_links_each_keeping_the_filters(client_for, ledger):
    r = page(client_for("township_admin"), township="柳溪镇", as_of="2026-03-31")
    entries = {e["name"]: e for e in r.context["lists"]}
    assert list(entries) == ["lapsed", "due_1m", "due_3m", "due_6m", "enforcement", "guarantees", "guarantor_claims"]
    assert (entries["lapsed"]["count"], entries["due_6m"]["count"], entries["due_1m"]["count"]) == (1, 1, 0)
    assert entries["guarantees"]["people"] == 0 and entries["lapsed"]["people"] is None
    assert all("as_of=2026-03-31" in e["url"] and f"list={name}" in e["url"] for name, e in entries.items())
    text = r.content.decode()
    assert text.count('aria-current="page" class="current"') == 1 and 'style="' not in text and "<script>" not in text
    assert f'href="{entries["due_6m"]["url"]}"' in text.replace("&amp;", "&")


def test_the_page_shows_one_list_the_most_urgent_holding_a_loan_by_default(client_for, ledger):
    client = client_for("township_admin")
    r = page(client, township="柳溪镇", as_of="2026-01-10")  # nothing lapsed or within a month: LA002, LA003 within 3
    assert r.context["shown"] == "due_3m" and {loan.loan_no for loan, _ in r.context["rows"]} == {"LA002", "LA003"}
    assert r.content.decode().count('<table class="table">') == 1
    r = page(client, township="柳溪镇", as_of="2026-01-10", list="lapsed")
    assert r.context["shown"] == "lapsed" and "<p class=\"muted\">无</p>" in r.content.decode()
    assert page(client, township="柳溪镇", as_of="2026-01-10", list="nonsense").context["shown"] == "due_3m"
    r = page(client, township="柳溪镇", as_of="2020-01-10")  # before any period ran: every list is empty
    assert r.context["shown"] == "lapsed" and not r.context["rows"].paginator.count


def test_an_old_link_to_a_lists_page_opens_that_list_at_that_page(client_for, ledger, units):
    from npl import testing

    for i in range(55):
        testing.loan(f"LP{i:03d}", testing.borrower(100 + i, "赵六"), units.town_b, units.branch_b)
    r = page(client_for("district_admin"), as_of="2026-03-31", page_lapsed=2)
    assert (r.context["shown"], r.context["rows"].number, len(r.context["rows"].object_list)) == ("lapsed", 2, 8)
    assert "page_lapsed" not in r.context["rows"].previous_link and "page=1" in r.context["rows"].previous_link
    assert page(client_for("district_admin"), as_of="2026-03-31", page_enforcement=1).context["shown"] == "enforcement"
