"""The advice pages for each member of the cast: what they see, what they may post, 404 outside their scope."""
import datetime as dt
import json
import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from npl import testing
from npl.accounts.choices import Role
from npl.advice.models import SuggestionRule, SuggestionState
from npl.advice.views import loan_suggestions_context
from npl.collection import services as collection
from npl.collection.clocks.rules import add_years
from npl.core.workdays import extend
from npl.loans.models import Loan

# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")


@pytest.fixture
def due_soon(units, cast):
    """The collector's loan whose limitation period ends in 10 days."""
    maturity = add_years(TODAY, -3) + dt.timedelta(days=10)
    return testing.loan("P-1", testing.borrower(401, "刘八"), units.town_a, units.branch_a, maturity=maturity,
                        collector=cast["collector"])


def test_a_collectors_today_shows_the_card_with_script_and_legal_basis(due_soon, client_for):
    page = client_for("collector").get("/advice/today/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "送达催收通知书（取得签收）" in text and "民法典第188条" in text and "回执上签字" in text
    assert "刘*" in text and "刘八" not in text
    assert "/collection/loans/P-1/actions/new/" in text


def _due(loan):
    """A week before the limitation deadline, which a weekend or holiday moves (the test's date is today's)."""
    return (extend(add_years(loan.maturity_date, 3)).deadline - dt.timedelta(days=7)).isoformat()


def test_done_from_the_page_links_the_chosen_action(due_soon, cast, client_for):
    # a visit where nobody signed: it does not touch the clock, so the suggestion is still the one shown
    action = collection.record_action(due_soon, cast["collector"], acted_on=TODAY, method="visit", outcome_code="no_one")
    page = client_for("collector").post("/advice/done/", {"loan_no": "P-1", "rule": "limitation_1m", "due": _due(due_soon),
                                                          "action": action.pk}, follow=True)
    assert "P-1：建议已完成" in page.content.decode()
    assert SuggestionState.objects.get().action == action
    assert "送达催收通知书" not in page.content.decode()


def test_dismiss_needs_a_reason_and_then_the_card_is_gone(due_soon, client_for):
    client = client_for("collector")
    due = _due(due_soon)
    page = client.post("/advice/dismiss/", {"loan_no": "P-1", "rule": "limitation_1m", "due": due, "reason": ""}, follow=True)
    assert "请填写不采纳的原因" in page.content.decode()
    page = client.post("/advice/dismiss/", {"loan_no": "P-1", "rule": "limitation_1m", "due": due, "reason": "已起诉在即"}, follow=True)
    assert "已记录不采纳原因" in page.content.decode()
    assert SuggestionState.objects.get().reason == "已起诉在即"
    assert "今天没有到期的清收建议" in page.content.decode()


@pytest.mark.parametrize("role", ["court_liaison", "police_liaison", "outsider"])
def test_posting_on_a_loan_outside_ones_scope_is_a_404(due_soon, client_for, role):
    page = client_for(role).post("/advice/dismiss/", {"loan_no": "P-1", "rule": "limitation_1m", "due": _due(due_soon), "reason": "x"})
    assert page.status_code == 404


def test_branch_staff_see_the_loan_but_may_not_handle_its_suggestions(due_soon, client_for):
    page = client_for("branch_staff").post("/advice/dismiss/", {"loan_no": "P-1", "rule": "limitation_1m", "due": _due(due_soon),
                                                                "reason": "x"})
    assert page.status_code == 403 and not SuggestionState.objects.exists()


def test_next_opens_the_loan_of_the_top_suggestion(due_soon, client_for):
    page = client_for("collector").get("/advice/next/")
    assert page.status_code == 302 and page["Location"] == "/loans/P-1/"


def test_next_with_nothing_to_do_goes_back_to_the_list(db, client_for):
    page = client_for("collector").get("/advice/next/")
    assert page["Location"] == "/advice/today/"


def test_anonymous_visitors_are_sent_to_log_in(db, client_for):
    assert client_for(None).get("/advice/today/").status_code == 302


def test_everyone_with_a_role_reads_the_rules_only_the_district_admin_edits(db, client_for):
    text = client_for("collector").get("/advice/rules/").content.decode()
    assert "诉讼时效1个月内届满" in text and "修改" not in text
    assert "期限：诉讼时效届满日" in text and "期限：limitation_deadline" not in text  # facts by their Chinese names
    assert "修改" in client_for("district_admin").get("/advice/rules/").content.decode()
    assert client_for("outsider").get("/advice/rules/").status_code == 403
    assert client_for("township_admin").get("/advice/rules/stale_loan/").status_code == 403


def _rule_post(**changes):
    rule = SuggestionRule.objects.get(code="stale_loan")
    data = {f: getattr(rule, f) for f in ("name", "action", "text", "priority", "due_from", "due_in_days", "due_cap",
                                           "cap_margin_days", "legal_basis", "script", "evidence")}
    data.update(enabled="on", condition=json.dumps(rule.condition, ensure_ascii=False))
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items()}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ('{"fact": "days_since_last_action", "op": ">=", ', "触发条件不是有效的 JSON：第1行"),
        ('{"fact": "weather", "op": "==", "value": "rain"}', "条件：未知事实“weather”"),
        ('{"all": [{"fact": "balance", "op": "has", "value": 1}]}', "条件.all[0]：“本金余额”不能用运算“has”"),
    ],
)
def test_the_rule_form_names_what_is_wrong_with_a_condition(db, client_for, condition, message):
    page = client_for("district_admin").post("/advice/rules/stale_loan/", _rule_post(condition=condition))
    assert page.status_code == 200 and message in page.content.decode()
    assert SuggestionRule.objects.get(code="stale_loan").condition["all"][0]["value"] == 60


def test_the_district_admin_changes_a_threshold_and_disables_a_rule(db, client_for, cast):
    client = client_for("district_admin")
    cond = '{"all": [{"fact": "days_since_last_action", "op": ">=", "value": 30}]}'
    page = client.post("/advice/rules/stale_loan/", _rule_post(condition=cond, due_from="no_such_fact"))
    assert "不是日期类事实" in page.content.decode()
    page = client.post("/advice/rules/stale_loan/", _rule_post(condition=cond))
    assert page.status_code == 302
    # The district admin's first change adopted the district's own rules (a copy of the default) and changed it.
    own = {"code": "stale_loan", "district": cast["district_admin"].district}
    rule = SuggestionRule.objects.get(**own)
    assert rule.condition["all"][0]["value"] == 30 and rule.updated_by == cast["district_admin"]
    assert SuggestionRule.objects.get(code="stale_loan", district__isnull=True).condition["all"][0]["value"] == 60
    client.post("/advice/rules/stale_loan/toggle/")
    assert SuggestionRule.objects.get(**own).enabled is False


def test_the_township_admin_reassigns_a_split_borrower_from_the_page(units, cast, client_for):
    who = testing.borrower(402, "何九")
    a = testing.loan("P-A", who, units.town_a, units.branch_a, collector=cast["collector"])
    b = testing.loan("P-B", who, units.town_a, units.branch_a)
    client = client_for("township_admin")
    page = client.get("/advice/assign/")
    assert "何*" in page.content.decode() and "责任人不一致" in page.content.decode()
    versions = json.dumps({a.pk: a.version, b.pk: b.version})
    page = client.post("/advice/assign/", {"borrower": who.pk, "collector": cast["collector"].pk, "versions": versions}, follow=True)
    assert "1笔贷款已分配给" in page.content.decode()  # P-A was already the collector's
    assert set(Loan.objects.filter(borrower=who).values_list("responsible_person", flat=True)) == {cast["collector"].pk}


def test_the_assign_page_refuses_a_collector_of_another_township_and_other_roles(units, cast, client_for):
    who = testing.borrower(403, "韩十")
    a = testing.loan("P-C", who, units.town_a, units.branch_a)
    stranger = testing.user("taoyuan_c", Role.COLLECTOR, town=units.town_b)
    page = client_for("township_admin").post(
        "/advice/assign/", {"borrower": who.pk, "collector": stranger.pk, "versions": json.dumps({a.pk: a.version})}, follow=True
    )
    assert "不是柳溪镇的清收人员" in page.content.decode()
    assert client_for("collector").get("/advice/assign/").status_code == 403


def test_the_loan_page_fragment_lists_the_loans_suggestions(due_soon, cast):
    html = render_to_string("advice/_loan_suggestions.html", loan_suggestions_context(due_soon, cast["collector"]))
    assert "清收建议" in html and "送达催收通知书（取得签收）" in html and "依据规则“诉讼时效1个月内届满”" in html


def loan_numbers_on(page: str) -> list[str]:
    return re.findall(r'<p class="advice-loan"><a href="/loans/([^/]+)/"', page)


def test_a_long_list_is_paged_in_its_order_and_offers_the_rest(units, cast, client_for):
    from npl.advice import services
    from npl.advice.views import FIRST_CARDS

    maturity = add_years(TODAY, -3) + dt.timedelta(days=10)
    for n in range(2 * FIRST_CARDS + 2):
        testing.loan(f"P-M{n:02d}", testing.borrower(500 + n, "许一"), units.town_a, units.branch_a, maturity=maturity,
                     balance=f"{10000 + 97 * n}.00", collector=cast["collector"])
    client = client_for("collector")
    first, second, third = (client.get("/advice/today/", {"page": p}).content.decode() for p in (1, 2, 3))
    assert first.count('name="reason"') == FIRST_CARDS and f"显示其余{FIRST_CARDS + 2}条" in first
    assert second.count('name="reason"') == FIRST_CARDS and "显示其余2条" in second and "上一页" in second
    assert third.count('name="reason"') == 2 and "显示其余" not in third and "第 3 / 3 页" in third
    assert f"共{2 * FIRST_CARDS + 2}条" in third
    # The pages together are the whole list, each loan once, in the list's order.
    in_order = [i.loan.loan_no for i in services.today(cast["collector"])]
    assert loan_numbers_on(first) + loan_numbers_on(second) + loan_numbers_on(third) == in_order
