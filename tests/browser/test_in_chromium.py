"""End to end in a real browser: what a township admin and a collector on a phone see and do, that the
Content-Security-Policy holds on the main pages, and that a loan out of scope is a 404 in Chinese.

The shared cast and loans (npl/conftest.py) are written before the browser opens the live server; the
server answers from its own thread and sees them because these tests use a transactional database.
"""
import re

import pytest

from npl import testing
from npl.testing import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the flush after each test must not take away rows the migrations loaded.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username: str, password: str = PASSWORD):
    """Fill the login form as a person would and wait for the page it leads to."""
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def table_rows(page) -> list[str]:
    return page.locator("table tbody tr").all_inner_texts()


def test_township_admin_logs_in_and_finds_zhang_san_by_pinyin_initials_masked(open_page, loans):
    page = open_page()
    page.goto("/")
    # Not logged in: the home page sends the person to the login page.
    assert page.get_by_role("heading", name="登录").is_visible()

    log_in(page, "liuxi_admin")
    assert page.get_by_role("heading", name="乡镇管理员 · 柳溪镇").is_visible()

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="贷款台账").click()
    page.wait_for_url("**/loans/")
    page.get_by_role("searchbox").fill("zs")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"q=zs"))

    rows = table_rows(page)
    assert len(rows) == 1, rows
    (row,) = rows
    assert "LA001" in row and "张*" in row
    # The other borrower called 张三 (LB002) is in 桃源乡: out of this admin's scope.
    assert "LB002" not in page.content()
    body = page.locator("main").inner_text()
    assert "张三" not in body and "李*" not in body and "单*" not in body
    zhang = loans["LA001"].borrower
    assert zhang.id_masked in row
    assert testing.valid_id(1) not in page.content()
    assert re.search(r"共\s*1\s*笔", body)


def test_collector_on_a_phone_records_a_visit_and_sees_it_in_the_loan_history(open_page, loans):
    page = open_page(phone=True)
    log_in(page, "liuxi_collector")
    page.goto("/loans/")
    # Only the collector's own loan is listed.
    rows = table_rows(page)
    assert len(rows) == 1 and "LA001" in rows[0], rows

    page.get_by_role("link", name="LA001", exact=True).click()
    page.wait_for_url("**/loans/LA001/")
    assert page.get_by_role("heading", name="贷款 LA001").is_visible()
    # Nothing wider than the phone: no sideways scrolling on the loan page.
    assert page.evaluate("document.body.scrollWidth") <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("link", name="催收、还款、还款计划").click()
    page.wait_for_url("**/collection/loans/LA001/")
    page.get_by_role("link", name="登记催收", exact=True).click()
    page.wait_for_url("**/collection/loans/LA001/actions/new/")
    assert page.get_by_role("heading", name="登记催收").is_visible()
    page.get_by_label("催收方式").select_option(label="上门催收")
    page.get_by_label("接触结果").select_option(label="本人接触")
    page.get_by_label("备注").fill("本人在家，答应月底前来网点商量还款")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/collection/loans/LA001/")
    assert page.get_by_text("催收记录已保存").is_visible()

    page.get_by_role("link", name="贷款详情", exact=True).click()
    page.wait_for_url("**/loans/LA001/")
    actions = page.locator("section", has=page.get_by_role("heading", name="催收记录")).inner_text()
    assert "上门催收" in actions and "本人接触" in actions
    history = page.locator("section", has=page.get_by_role("heading", name="历史")).inner_text()
    assert "催收" in history and "本人在家，答应月底前来网点商量还款" in history
    assert page.evaluate("document.body.scrollWidth") <= 360
    assert page.problems.console == [] and page.problems.csp == []


def test_the_content_security_policy_holds_on_the_main_pages(open_page, loans):
    page = open_page()
    log_in(page, "liuxi_admin")
    menu = page.locator("nav[aria-label='主菜单'] a")  # links inside closed menu groups too
    paths = menu.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    paths += ["/loans/?q=zs", "/loans/LA001/", "/collection/loans/LA001/", "/collection/loans/LA001/actions/new/",
              f"/loans/borrowers/{loans['LA001'].borrower_id}/"]
    assert "/loans/" in paths and len(paths) > 8
    visited = {}
    for path in paths:
        response = page.goto(path)
        visited[path] = response.status
    # Every page the menu offers this person opens for them.
    assert all(status == 200 for status in visited.values()), visited
    assert page.problems.csp == [], page.problems.csp
    refused = [m for m in page.problems.console if "Content Security Policy" in m]
    assert refused == [], refused
    assert page.problems.console == [], (page.problems.console, visited)

    # The watch itself works: an inline script added now is refused and reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }")
    for _ in range(100):  # until the report has crossed over to Python
        if page.problems.csp:
            break
        page.wait_for_timeout(50)
    assert any("script-src" in v for v in page.problems.csp), page.problems.csp


def test_a_loan_out_of_scope_is_a_chinese_404_page(open_page, loans):
    page = open_page()
    log_in(page, "liuxi_admin")
    response = page.goto("/loans/LB001/")
    assert response.status == 404
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    out_of_scope = page.locator("main").inner_text()
    assert "不在您的管辖范围内" in out_of_scope
    # Nothing of the loan leaks: neither its borrower nor its balance.
    assert "王*" not in page.content() and "1,200,000" not in page.content()
    # A loan that does not exist at all gets the same page: the two cannot be told apart.
    missing = page.goto("/loans/LX999/")
    assert missing.status == 404
    assert page.locator("main").inner_text() == out_of_scope
