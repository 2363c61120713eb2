"""The engine: one pure function from a loan's facts and the rules in force to its suggestions, each with why.

No database here: `facts.build_facts` gathers LoanFacts in bulk, `models.SuggestionRule.spec()` turns a
rule row into a `Rule`, and the services put the two together (docs/advice.md).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from npl.advice import conditions
from npl.advice.choices import SINCE_PREFIX, ActionCode


@dataclass(frozen=True)
class LoanFacts:
    """Everything the rules may ask about one loan on one day (names and meaning: choices.FACTS)."""

    loan_id: int
    loan_no: str
    as_of: dt.date
    township_id: int | None = None
    responsible_person_id: int | None = None
    borrower_id: int | None = None
    categories: frozenset = frozenset()
    category_since: Mapping[str, dt.date] = field(default_factory=dict)
    loan_status: str = "in_collection"
    balance: Decimal = Decimal("0.00")
    interest_owed: Decimal = Decimal("0.00")
    has_mortgage: bool = False
    guarantor_count: int = 0
    interest_suspended: bool = False
    registered_on: dt.date | None = None
    limitation_status: str | None = None
    limitation_deadline: dt.date | None = None
    limitation_review: bool = False
    enforcement_status: str | None = None
    enforcement_deadline: dt.date | None = None
    guarantee_status: str | None = None
    guarantee_deadline: dt.date | None = None
    release_date: dt.date | None = None
    last_action_on: dt.date | None = None
    promise_broken: bool = False
    promise_broken_on: dt.date | None = None
    instalment_missed: bool = False
    instalment_missed_on: dt.date | None = None
    litigation_stage: str | None = None
    litigation_stage_on: dt.date | None = None
    judgment_on: dt.date | None = None
    judgment_unenforced: bool = False
    terminated_on: dt.date | None = None
    dishonest_listing: str | None = None
    repaid_principal: Decimal = Decimal("0.00")
    last_repayment_on: dt.date | None = None

    def _days_to(self, day):
        return None if day is None else (day - self.as_of).days

    def _days_since(self, day):
        return None if day is None else (self.as_of - day).days

    @property
    def last_touch_on(self) -> dt.date | None:
        return self.last_action_on or self.registered_on

    def get(self, name: str):
        """A fact by name, derived ones included (days_* count from as_of); None when unknown."""
        if name.startswith(SINCE_PREFIX):
            return self.category_since.get(name[len(SINCE_PREFIX):])
        computed = _DERIVED_FACTS.get(name)
        if computed is not None:
            return computed(self)
        return getattr(self, name, None)


# The facts computed from others (a table built once: `get` runs for every predicate of every rule and loan).
_DERIVED_FACTS = {
    "days_to_limitation": lambda f: f._days_to(f.limitation_deadline),
    "days_to_enforcement": lambda f: f._days_to(f.enforcement_deadline),
    "days_to_guarantee_end": lambda f: f._days_to(f.guarantee_deadline),
    "days_to_release": lambda f: f._days_to(f.release_date),
    "days_since_last_action": lambda f: f._days_since(f.last_touch_on),
    "days_in_stage": lambda f: f._days_since(f.litigation_stage_on),
    "days_since_last_repayment": lambda f: f._days_since(f.last_repayment_on),
    "last_touch_on": lambda f: f.last_touch_on,
}


@dataclass(frozen=True)
class Rule:
    """A suggestion rule as the engine sees it (a SuggestionRule row without the database)."""

    code: str
    name: str
    action: str
    condition: dict
    text: str
    priority: int = 50
    due_in_days: int = 7
    due_from: str = ""  # a date fact; blank: the as-of day
    due_cap: str = ""  # a date fact the due may not pass (a clock's deadline)
    cap_margin_days: int = 0
    legal_basis: str = ""
    script: str = ""
    evidence: str = ""
    holds: object = field(init=False, repr=False, compare=False)  # the condition compiled: get → bool

    def __post_init__(self):
        try:
            holds = conditions.compile_condition(self.condition)
        except (KeyError, TypeError, AttributeError):  # not a valid condition: evaluate() says how it fails, when asked
            def holds(get, condition=self.condition):
                return conditions.evaluate(condition, get)[0]
        object.__setattr__(self, "holds", holds)


@dataclass(frozen=True)
class Suggestion:
    """One thing to do on one loan, by when, and why (the rule and the facts that fired it)."""

    loan_id: int
    loan_no: str
    action: str
    rule: str
    rule_name: str
    text: str
    why: str
    due: dt.date
    priority: int
    legal_basis: str = ""
    script: str = ""
    evidence: str = ""
    facts: tuple = ()  # the fact names that fired the rule

    @property
    def action_label(self) -> str:
        return ActionCode(self.action).label

    def as_json(self) -> dict:
        """The `npl advise --json` entry (issue #7)."""
        return {
            "loan_no": self.loan_no,
            "action": self.action,
            "rule": self.rule,
            "why": self.why,
            "due": self.due.isoformat(),
            "priority": self.priority,
        }


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def render(template: str, facts: LoanFacts) -> str:
    """Fill `{fact}` placeholders with the fact's value as shown to people; anything else stays as typed.

    No format(): braces that are not a known fact name are left alone, so a template can never reach
    attributes or fail on a stray brace.
    """

    def fill(m):
        name = m.group(1)
        if name == "loan_no":
            return facts.loan_no
        if conditions.fact_spec(name) is None:
            return m.group(0)
        return conditions.show(name, facts.get(name))

    return PLACEHOLDER.sub(fill, template)


def due_date(rule: Rule, facts: LoanFacts) -> dt.date:
    """Due = (the rule's date fact — not before the loan's registration — else as-of) + due_in_days, but no
    later than its cap fact − margin.

    Counting from a fact's date keeps the due still while the facts stay the same, so a dismissed
    suggestion stays dismissed until something changes (a new deadline, a new broken promise).
    """
    start = facts.get(rule.due_from) if rule.due_from else None
    if start is None and rule.due_from:
        start = facts.registered_on  # the fact is unknown for this loan: count from its registration
    registered = facts.registered_on
    if start is not None and registered is not None and start < registered <= facts.as_of:
        # A fact older than the loan's registration (an old lapse, a broken promise in an imported ledger)
        # could not be acted on before the platform knew the loan: count from the registration day, which
        # stays still as well, instead of showing a due years in the past.
        start = registered
    due = (start or facts.as_of) + dt.timedelta(days=rule.due_in_days)
    cap = facts.get(rule.due_cap) if rule.due_cap else None
    if cap is not None:
        due = min(due, cap - dt.timedelta(days=rule.cap_margin_days))
    return due


def evaluate(facts: LoanFacts, rules: Iterable[Rule], as_of: dt.date | None = None) -> list[Suggestion]:
    """Every suggestion the rules make for this loan, most important first; each says which facts fired it."""
    if as_of is not None and as_of != facts.as_of:
        raise ValueError(f"facts of {facts.loan_no} were gathered for {facts.as_of}, not {as_of}")
    if facts.loan_status == "settled":
        return []  # 已结清: nothing left to collect (written-off loans stay: 账销案存)
    out = []
    for rule in rules:
        if not rule.holds(facts.get):  # most rules do not fire: their reasons are never built
            continue
        _, reasons = conditions.evaluate(rule.condition, facts.get)
        named = conditions.facts_named(rule.condition)
        for anchor in (rule.due_from, rule.due_cap):  # the dates the due counts from are facts too
            if anchor and anchor not in named and facts.get(anchor) is not None:
                reasons.append(f"{conditions.fact_spec(anchor)[1]}为{conditions.show(anchor, facts.get(anchor))}")
        why = f"依据规则“{rule.name}”：" + "；".join(dict.fromkeys(reasons))
        out.append(
            Suggestion(
                loan_id=facts.loan_id,
                loan_no=facts.loan_no,
                action=rule.action,
                rule=rule.code,
                rule_name=rule.name,
                text=render(rule.text, facts),
                why=why,
                due=due_date(rule, facts),
                priority=rule.priority,
                legal_basis=rule.legal_basis,
                script=render(rule.script, facts),
                evidence=rule.evidence,
                facts=tuple(conditions.facts_named(rule.condition)),
            )
        )
    out.sort(key=lambda s: (-s.priority, s.due, s.rule))
    return out
