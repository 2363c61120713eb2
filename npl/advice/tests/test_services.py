"""Worklists, done / dismiss, reassignment and rule edits through the services (dates relative to today)."""
import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from npl import testing
from npl.accounts.choices import Role
from npl.advice import services
from npl.advice.models import SuggestionRule, SuggestionState
from npl.collection import services as collection
from npl.collection.clocks.rules import add_years
from npl.core.workdays import extend
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent
from npl.loans.workflow import StaleVersion

# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")


def days(n):
    return TODAY + dt.timedelta(days=n)


def years_ago(n, plus_days=0):
    return TODAY.replace(year=TODAY.year - n) + dt.timedelta(days=plus_days)


@pytest.fixture
def worklist(units, cast):
    """Three loans of the collector: limitation ends in 10 days (big), in 20 days (small), and a calm one."""
    me = cast["collector"]
    urgent = testing.loan("W-URGENT", testing.borrower(201, "周一"), units.town_a, units.branch_a, balance="300000.00",
                          maturity=years_ago(3, 10), collector=me)
    later = testing.loan("W-LATER", testing.borrower(202, "吴二"), units.town_a, units.branch_a, balance="20000.00",
                         maturity=years_ago(3, 20), collector=me)
    calm = testing.loan("W-CALM", testing.borrower(203, "郑三"), units.town_a, units.branch_a, maturity=years_ago(1), collector=me)
    return {"urgent": urgent, "later": later, "calm": calm}


def test_today_lists_the_collectors_own_suggestions_due_within_the_window_best_first(worklist, cast):
    items = services.today(cast["collector"], TODAY, window=30)
    assert [(i.suggestion.loan_no, i.suggestion.rule) for i in items] == [("W-URGENT", "limitation_1m"), ("W-LATER", "limitation_1m")]
    assert items[0].score > items[1].score
    assert items[0].suggestion.due == days(10) - dt.timedelta(days=7)


def test_a_short_window_leaves_later_dues_for_another_day(worklist, cast):
    items = services.today(cast["collector"], TODAY, window=5)
    assert [i.suggestion.loan_no for i in items] == ["W-URGENT"]


def test_another_collector_or_a_township_admin_has_nothing_of_these_on_their_list(worklist, cast, units):
    other = testing.user("other_collector", Role.COLLECTOR, town=units.town_a)
    assert services.today(other, TODAY, window=30) == []
    assert services.today(cast["township_admin"], TODAY, window=30) == []


def test_the_bigger_loan_ranks_first_when_dues_are_equally_urgent(units, cast):
    me = cast["collector"]
    testing.loan("W-SMALL", testing.borrower(211, "冯五"), units.town_a, units.branch_a, balance="1000.00",
                 maturity=years_ago(3, 3), collector=me)
    testing.loan("W-BIG", testing.borrower(212, "陈六"), units.town_a, units.branch_a, balance="900000.00",
                 maturity=years_ago(3, 3), collector=me)
    assert [i.suggestion.loan_no for i in services.today(me, TODAY, window=7)] == ["W-BIG", "W-SMALL"]


def test_next_item_is_the_top_of_today(worklist, cast):
    assert services.next_item(cast["collector"]).suggestion.loan_no == "W-URGENT"


def test_done_links_the_action_and_the_suggestion_leaves_the_list(worklist, cast):
    me, loan = cast["collector"], worklist["urgent"]
    (s,) = services.loan_suggestions(loan)
    action = collection.record_action(loan, me, acted_on=TODAY, method="visit", outcome_code="met_family", signature="unsigned")
    state = services.mark_done(me, loan, s.rule, s.due, action)
    assert (state.status, state.action, state.by) == ("done", action, me)
    assert "W-URGENT" not in [i.suggestion.loan_no for i in services.today(me, TODAY, window=30)]
    assert LoanEvent.objects.filter(loan=loan, kind=EventKind.NOTE, note__contains="已完成").exists()


def test_done_refuses_an_action_of_another_loan(worklist, cast):
    me = cast["collector"]
    (s,) = services.loan_suggestions(worklist["urgent"])
    other = collection.record_action(worklist["calm"], me, acted_on=TODAY, method="phone", outcome_code="no_one")
    with pytest.raises(ValidationError, match="请选择本笔贷款的一条催收记录"):
        services.mark_done(me, worklist["urgent"], s.rule, s.due, other)


def test_a_dismissed_suggestion_stays_away_until_its_facts_change(worklist, cast):
    me, loan = cast["collector"], worklist["urgent"]
    (s,) = services.loan_suggestions(loan)
    with pytest.raises(ValidationError, match="请填写不采纳的原因"):
        services.dismiss(me, loan, s.rule, s.due, "  ")
    services.dismiss(me, loan, s.rule, s.due, "借款人已承诺下周到网点签字")
    assert services.loan_suggestions(loan) == []
    # The facts change: a relative signs a notice, the clock restarts, and later warnings are new ones.
    collection.record_action(loan, me, acted_on=TODAY, method="letter", outcome_code="met_family", signature="relative")
    deadline = extend(add_years(TODAY, 3)).deadline  # moved past a weekend or holiday, as the clock moves it
    renewed = services.loan_suggestions(loan, deadline - dt.timedelta(days=20))
    assert [(x.rule, x.due) for x in renewed if x.action == "serve_notice"] == [("limitation_1m", deadline - dt.timedelta(days=7))]


def test_a_suggestion_already_handled_cannot_be_handled_twice(worklist, cast):
    me, loan = cast["collector"], worklist["urgent"]
    (s,) = services.loan_suggestions(loan)
    services.dismiss(me, loan, s.rule, s.due, "重复")
    with pytest.raises(ValidationError, match="已处理或已不再适用"):
        services.dismiss(me, loan, s.rule, s.due, "再来一次")
    assert SuggestionState.objects.count() == 1


def test_only_the_loans_collector_or_its_township_admin_handle_a_suggestion(worklist, cast, units):
    loan = worklist["urgent"]
    (s,) = services.loan_suggestions(loan)
    with pytest.raises(PermissionDenied):
        services.dismiss(testing.user("stranger", Role.COLLECTOR, town=units.town_a), loan, s.rule, s.due, "不是我的")
    with pytest.raises(PermissionDenied):
        services.dismiss(cast["branch_staff"], loan, s.rule, s.due, "网点")
    assert services.dismiss(cast["township_admin"], loan, s.rule, s.due, "乡镇决定暂缓").by == cast["township_admin"]


# --- one collector per borrower -------------------------------------------------------------------------


@pytest.fixture
def two_loans(units, cast):
    who = testing.borrower(301, "孙七")
    first = testing.loan("B-1", who, units.town_a, units.branch_a, collector=cast["collector"])
    second = testing.loan("B-2", who, units.town_a, units.branch_b)
    elsewhere = testing.loan("B-3", who, units.town_b, units.branch_b)
    return who, first, second, elsewhere


def test_assigning_moves_all_the_borrowers_loans_in_the_township_together(two_loans, cast, units):
    who, first, second, elsewhere = two_loans
    new = testing.user("liuxi_collector2", Role.COLLECTOR, town=units.town_a)
    moved = services.assign_collector(who, new, township=units.town_a, by=cast["township_admin"],
                                      expected_versions={first.pk: first.version, second.pk: second.version})
    assert sorted(x.loan_no for x in moved) == ["B-1", "B-2"]
    assert set(Loan.objects.filter(borrower=who, township=units.town_a).values_list("responsible_person", flat=True)) == {new.pk}
    assert Loan.objects.get(pk=elsewhere.pk).responsible_person is None
    assert LoanEvent.objects.filter(loan=first, kind=EventKind.ASSIGNED, after=str(new)).exists()
    assert services.split_borrowers(units.town_a) == []


def test_a_collector_of_another_township_is_refused(two_loans, cast, units):
    who = two_loans[0]
    outsider = testing.user("taoyuan_collector", Role.COLLECTOR, town=units.town_b)
    with pytest.raises(ValidationError, match="不是柳溪镇的清收人员"):
        services.assign_collector(who, outsider, township=units.town_a, by=cast["township_admin"])


def test_a_collector_only_a_township_admin_of_that_township_assigns(two_loans, cast, units):
    who = two_loans[0]
    with pytest.raises(PermissionDenied):
        services.assign_collector(who, cast["collector"], township=units.town_a, by=cast["collector"])
    other_admin = testing.user("taoyuan_admin", Role.TOWNSHIP_ADMIN, town=units.town_b)
    with pytest.raises(PermissionDenied):
        services.assign_collector(who, cast["collector"], township=units.town_a, by=other_admin)


def test_a_loan_changed_since_the_page_was_read_stops_the_whole_reassignment(two_loans, cast, units):
    who, first, second, _ = two_loans
    seen = {first.pk: first.version, second.pk: second.version}
    collection.record_action(second, cast["township_admin"], acted_on=TODAY, method="visit", outcome_code="no_one")
    with pytest.raises(StaleVersion):
        services.assign_collector(who, cast["collector"], township=units.town_a, by=cast["township_admin"], expected_versions=seen)
    assert Loan.objects.get(pk=second.pk).responsible_person is None


def test_split_borrowers_lists_a_borrower_whose_loans_have_different_collectors(two_loans, units):
    assert services.split_borrowers(units.town_a) == [{"borrower_id": two_loans[0].pk, "people": {None, two_loans[1].responsible_person_id}}]


# --- rules ----------------------------------------------------------------------------------------------


def test_only_the_district_admin_edits_rules_and_a_bad_condition_is_never_saved(db, cast):
    rule = SuggestionRule.objects.get(code="stale_loan")
    with pytest.raises(PermissionDenied):
        services.save_rule(rule, cast["township_admin"], priority=99)
    with pytest.raises(ValidationError) as err:
        services.save_rule(rule, cast["district_admin"], condition={"fact": "days_since_last_action", "op": ">=", "value": "两月"})
    assert "须与整数比较" in str(err.value)
    rule.refresh_from_db()
    assert rule.condition["all"][0]["value"] == 60


def test_a_disabled_rule_makes_no_suggestions(worklist, cast):
    services.set_enabled(SuggestionRule.objects.get(code="limitation_1m"), cast["district_admin"], False)
    assert services.loan_suggestions(worklist["urgent"]) == []


# --- npl advise -----------------------------------------------------------------------------------------


def test_npl_advise_json_gives_the_issue_shape_for_a_township(worklist, capsys, units):
    call_command("advise", "--township", units.town_a.name, "--as-of", TODAY.isoformat(), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == TODAY.isoformat()
    assert [(s["loan_no"], s["action"], s["rule"]) for s in data["suggestions"]] == [
        ("W-LATER", "serve_notice", "limitation_1m"), ("W-URGENT", "serve_notice", "limitation_1m")]
    assert set(data["suggestions"][0]) == {"loan_no", "action", "rule", "why", "due", "priority"}


def test_npl_advise_without_json_is_a_chinese_table(worklist, capsys):
    call_command("advise", "--as-of", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "清收建议" in out and "W-URGENT\t送达催收通知书（取得签收）" in out


@pytest.mark.parametrize(("args", "message"), [(["--township", "无此镇"], "未知乡镇：无此镇"), (["--as-of", "昨天"], "无法识别")])
def test_npl_advise_refuses_an_unusable_call_with_exit_2(db, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        call_command("advise", *args)
    assert exc.value.code == 2 and message in capsys.readouterr().err
