"""The pure parts: conditions validated and evaluated safely, templates filled safely, dues, and the default
rules over hand-built facts (no database)."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.advice import conditions
from npl.advice.defaults import RULES
from npl.advice.engine import LoanFacts, Rule, due_date, evaluate, render

AS_OF = dt.date(2026, 6, 30)
DEFAULTS = [Rule(**row) for row in RULES]


def facts(**kw):
    base = {"loan_id": 1, "loan_no": "L1", "as_of": AS_OF, "registered_on": dt.date(2026, 1, 1),
            "last_action_on": dt.date(2026, 6, 1), "limitation_status": "ok", "balance": Decimal("50000.00")}
    return LoanFacts(**(base | kw))


def test_every_default_rule_is_valid_and_its_due_counts_from_a_date_fact():
    from npl.advice.models import date_fact_errors

    for row in RULES:
        assert conditions.validate(row["condition"]) == [], row["code"]
        assert date_fact_errors(row.get("due_from", ""), "起算") == [], row["code"]


def test_default_rules_cover_every_action_code_but_none_invented():
    from npl.advice.choices import ActionCode

    used = {row["action"] for row in RULES}
    assert used <= set(ActionCode.values)
    assert set(ActionCode.values) - used == set()


@pytest.mark.parametrize(
    ("cond", "message"),
    [
        ("all", "须为一个对象"),
        ({"all": []}, "条件.all：须为非空列表"),
        ({"fact": "height", "op": "==", "value": 1}, "未知事实“height”"),
        ({"fact": "balance", "op": "has", "value": 1}, "“本金余额”不能用运算“has”"),
        ({"fact": "balance", "op": ">=", "value": "很多"}, "须与金额（元）比较"),
        ({"fact": "days_since_last_action", "op": ">=", "value": "30"}, "须与整数比较"),
        ({"fact": "categories", "op": "has", "value": "rich"}, "未知类别代码 rich"),
        ({"fact": "limitation_status", "op": "==", "value": "soon"}, "没有取值 soon"),
        ({"fact": "promise_broken", "op": "==", "value": "yes"}, "须为 true 或 false"),
        ({"fact": "balance", "op": "~", "value": 1}, "未知运算“~”"),
        ({"fact": "balance", "op": ">"}, "须恰好含 fact、op、value 三项"),
        ({"any": [{"fact": "balance", "op": ">", "value": 1}, {"fact": "x", "op": "==", "value": 1}]}, "条件.any[1]：未知事实“x”"),
    ],
)
def test_an_unusable_condition_is_refused_with_a_chinese_reason_naming_where(cond, message):
    problems = conditions.validate(cond)
    assert problems and any(message in p for p in problems), problems


def test_an_unknown_fact_is_false_not_an_error_and_is_set_false_holds():
    f = facts(litigation_stage=None, dishonest_listing=None)
    assert conditions.evaluate({"fact": "litigation_stage", "op": "!=", "value": "filed"}, f.get) == (False, [])
    ok, why = conditions.evaluate({"fact": "dishonest_listing", "op": "is_set", "value": False}, f.get)
    assert ok and why == ["失信名单状态未登记"]


def test_any_names_only_the_branches_that_held_and_all_names_each():
    f = facts(categories=frozenset({"lost_contact"}), balance=Decimal("1200000.00"))
    ok, why = conditions.evaluate(
        {"all": [{"any": [{"fact": "categories", "op": "has", "value": "deceased"},
                          {"fact": "categories", "op": "has", "value": "lost_contact"}]},
                 {"fact": "balance", "op": ">=", "value": "1000000"}]},
        f.get,
    )
    assert ok
    assert why == ["属于“借款人无法联系贷款”", "本金余额为1200000.00元（大于等于1000000.00元）"]


def test_a_template_fills_known_facts_and_leaves_anything_else_as_typed():
    f = facts(limitation_deadline=dt.date(2026, 8, 20))
    text = render("{loan_no} 至{limitation_deadline}（剩{days_to_limitation}）{__class__} {balance.real} {", f)
    assert text == "L1 至2026-08-20（剩51天）{__class__} {balance.real} {"


def test_due_counts_from_the_rules_date_fact_and_never_passes_its_cap():
    rule = Rule("r", "r", "apply_enforcement", {"fact": "judgment_unenforced", "op": "==", "value": True}, "",
                due_from="judgment_on", due_in_days=30, due_cap="enforcement_deadline", cap_margin_days=30)
    assert due_date(rule, facts(judgment_on=dt.date(2026, 1, 1), enforcement_deadline=dt.date(2028, 1, 1))) == dt.date(2026, 1, 31)
    assert due_date(rule, facts(judgment_on=dt.date(2024, 1, 1), enforcement_deadline=dt.date(2024, 1, 20))) == dt.date(2023, 12, 21)


def test_a_rule_without_its_date_fact_counts_from_registration():
    rule = Rule("r", "r", "task_force", {"fact": "categories", "op": "has", "value": "large_mortgage"}, "",
                due_from="since_large_mortgage", due_in_days=30)
    assert due_date(rule, facts()) == dt.date(2026, 1, 31)


def test_a_fact_older_than_the_loans_registration_counts_from_the_registration_day():
    # A claim that lapsed in 2023 on a loan the platform registered on 2026-01-01: the serve-notice due is a
    # month after registration, not a month after the lapse years ago; it stays put from day to day.
    rule = Rule("r", "r", "serve_notice", {"fact": "limitation_status", "op": "==", "value": "lapsed"}, "",
                due_from="limitation_deadline", due_in_days=30)
    lapsed = dict(limitation_status="lapsed", limitation_deadline=dt.date(2023, 6, 27))
    assert due_date(rule, facts(**lapsed)) == dt.date(2026, 1, 31)
    assert due_date(rule, facts(**lapsed, as_of=dt.date(2026, 7, 30))) == dt.date(2026, 1, 31)
    # Asked about a day before the registration, the fact's own date stands.
    assert due_date(rule, facts(**lapsed, as_of=dt.date(2025, 12, 1))) == dt.date(2023, 7, 27)


# hand-built facts → the default rules' (action, rule, due)
TABLE = [
    ("public servant", dict(categories=frozenset({"public_servant"}), category_since={"public_servant": dt.date(2026, 6, 1)}),
     {("discipline_referral", "public_servant_discipline", dt.date(2026, 7, 1))}),
    ("bank staff loan", dict(categories=frozenset({"impersonated_or_staff", "bank_staff"}),
                             category_since={"impersonated_or_staff": dt.date(2026, 6, 1)}),
     {("request_reduction", "impersonated_reduction", dt.date(2026, 7, 1))}),
    ("imprisoned already suspended", dict(categories=frozenset({"imprisoned"}), interest_suspended=True), set()),
    ("due in a month, lost contact", dict(categories=frozenset({"lost_contact"}), limitation_status="due_1m",
                                          limitation_deadline=dt.date(2026, 7, 20), category_since={"lost_contact": dt.date(2026, 6, 1)}),
     {("police_verification", "lost_contact_police", dt.date(2026, 6, 16)),
      ("newspaper_notice", "lost_contact_newspaper", dt.date(2026, 6, 20)),
      ("file_lawsuit", "lost_contact_lawsuit", dt.date(2026, 8, 30))}),
    ("lapsed enforcement", dict(limitation_status="suspended_by_suit", enforcement_status="lapsed",
                                enforcement_deadline=dt.date(2026, 3, 1), judgment_unenforced=True, litigation_stage="judged"),
     {("apply_enforcement", "enforcement_lapsed", dt.date(2026, 3, 31))}),
    ("enforcing, not listed", dict(limitation_status="suspended_by_suit", litigation_stage="enforcing",
                                   litigation_stage_on=dt.date(2026, 6, 1), dishonest_listing=""),
     {("request_dishonest_listing", "terminated_listing", dt.date(2026, 6, 16))}),
    ("enforcing, already listed", dict(limitation_status="suspended_by_suit", litigation_stage="enforcing",
                                       litigation_stage_on=dt.date(2026, 6, 1), dishonest_listing="listed"), set()),
    ("never acted, registered long ago", dict(last_action_on=None, registered_on=dt.date(2026, 1, 1)),
     {("visit", "stale_loan", dt.date(2026, 3, 9))}),
    ("stale but in court", dict(last_action_on=None, limitation_status="suspended_by_suit"), set()),
    ("guarantee ends in a month", dict(guarantee_status="due_1m", guarantee_deadline=dt.date(2026, 7, 15)),
     {("serve_notice", "guarantee_period", dt.date(2026, 6, 30))}),
    ("settled", dict(loan_status="settled", limitation_status="lapsed", limitation_deadline=dt.date(2026, 1, 1)), set()),
]


@pytest.mark.parametrize(("name", "kw", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_default_rules_on_hand_built_facts(name, kw, expected):
    got = {(s.action, s.rule, s.due) for s in evaluate(facts(**kw), DEFAULTS, AS_OF)}
    assert got == expected


def test_a_disabled_rule_is_simply_not_passed_and_suggestions_come_most_important_first():
    f = facts(categories=frozenset({"deceased"}), category_since={"deceased": dt.date(2026, 6, 1)})
    out = evaluate(f, DEFAULTS, AS_OF)
    assert [s.rule for s in out] == ["deceased_heirs", "deceased_waiver"]
    assert [s.rule for s in evaluate(f, [r for r in DEFAULTS if r.code != "deceased_heirs"])] == ["deceased_waiver"]


def test_facts_of_another_day_are_refused():
    with pytest.raises(ValueError):
        evaluate(facts(), DEFAULTS, dt.date(2026, 7, 1))


def test_json_entry_has_the_issue_shape():
    (s,) = evaluate(facts(categories=frozenset({"nominal_household"})), DEFAULTS, AS_OF)
    assert set(s.as_json()) == {"loan_no", "action", "rule", "why", "due", "priority"}
    assert s.as_json()["due"] == "2026-01-31"


def _suggestion(loan_id, due, priority=50):
    from npl.advice.engine import Suggestion

    return Suggestion(loan_id, f"L{loan_id}", "visit", "r", "r", "", "", due, priority)


def test_ordering_weighs_urgency_then_expected_recovery_then_priority():
    from npl.advice.services import rank
    from npl.likelihood.scoring import Score

    found = [_suggestion(1, AS_OF), _suggestion(2, AS_OF), _suggestion(3, AS_OF + dt.timedelta(days=7))]
    balances = {1: Decimal("100000.00"), 2: Decimal("100000.00"), 3: Decimal("100000.00")}
    likely = {1: Score(0.2, "baseline", ()), 2: Score(0.8, "model", ()), 3: Score(0.8, "model", ())}
    (s1, *_), (s2, *_), (s3, *_) = rank(found, balances, likely, AS_OF, 7)
    assert s2 > s1  # same due and balance: the likelier recovery first
    assert s2 > s3  # same stake: due today beats due in a week
    assert s2 == Decimal("0.5") + Decimal("0.3") + Decimal("0.1")


def test_without_likelihood_scores_the_balance_alone_ranks_the_stake():
    from npl.advice.services import rank

    found = [_suggestion(1, AS_OF), _suggestion(2, AS_OF)]
    (small, *_), (big, *_) = rank(found, {1: Decimal("1000.00"), 2: Decimal("900000.00")}, {}, AS_OF, 7)
    assert big > small


# --- the compiled condition answers as evaluate() does (issue 16: rules are asked first through it) ---------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from npl.advice.choices import BOOL, DATE, FACTS, INT, MONEY, OPS_BY_KIND, SET, TEXT  # noqa: E402
from npl.categories.choices import NAMES as CATEGORY_CODES  # noqa: E402

_DAYS = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))
_MONEY = st.decimals(min_value=0, max_value=3_000_000, places=2, allow_nan=False, allow_infinity=False)


def _value_of(kind, allowed):
    """A fact's value on a loan (None: unknown)."""
    known = {
        SET: st.frozensets(st.sampled_from(sorted(CATEGORY_CODES)), max_size=4),
        INT: st.integers(-400, 4000),
        MONEY: _MONEY,
        BOOL: st.booleans(),
        DATE: _DAYS,
        TEXT: st.sampled_from(allowed) if allowed else st.text(max_size=3),
    }[kind]
    return st.none() | known


@st.composite
def _predicate(draw):
    name = draw(st.sampled_from(sorted(FACTS)))
    kind, _, allowed = FACTS[name]
    op = draw(st.sampled_from(sorted(OPS_BY_KIND[kind])))
    if op == "is_set" or kind == BOOL:
        value = draw(st.booleans())
    elif kind == SET:
        codes = st.sampled_from(sorted(CATEGORY_CODES))
        value = draw(st.lists(codes, min_size=1, max_size=3)) if op == "has_any" else draw(codes)
    elif kind == TEXT:
        one = st.sampled_from(allowed) if allowed else st.text(max_size=3)
        value = draw(st.lists(one, min_size=1, max_size=3)) if op == "in" else draw(one)
    elif kind == MONEY:
        value = str(draw(_MONEY))
    elif kind == DATE:
        value = draw(_DAYS)
    else:
        value = draw(st.integers(-400, 4000))
    return {"fact": name, "op": op, "value": value}


_CONDITIONS = st.recursive(
    _predicate(),
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=6,
)


@st.composite
def _facts(draw):
    values = {name: draw(_value_of(kind, allowed)) for name, (kind, _, allowed) in FACTS.items()}
    return values.get


@settings(max_examples=400, deadline=None)
@given(cond=_CONDITIONS, get=_facts())
def test_a_compiled_condition_holds_exactly_when_evaluate_says_it_holds(cond, get):
    assert conditions.compile_condition(cond)(get) is conditions.evaluate(cond, get)[0]


def test_a_rule_asks_its_compiled_condition_and_an_invalid_one_still_fails_as_evaluate_does():
    rule = Rule(code="x", name="x", action="visit", text="t",
                condition={"all": [{"fact": "balance", "op": ">=", "value": "1000"},
                                   {"fact": "categories", "op": "has", "value": "deceased"}]})
    assert rule.holds(facts(balance=Decimal("1000.00"), categories=frozenset({"deceased"})).get) is True
    assert rule.holds(facts(balance=Decimal("999.99"), categories=frozenset({"deceased"})).get) is False
    broken = Rule(code="y", name="y", action="visit", text="t", condition={"fact": "height", "op": "==", "value": 1})
    with pytest.raises(TypeError):
        broken.holds(facts().get)
