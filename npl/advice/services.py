"""Advice services: the suggestions for loans on a day, collectors' worklists, done/dismiss, reassignment, rule edits.

Stable entry points for other apps (API, reports, the loan page):
    suggestions_for(loans_qs, as_of) -> list[Suggestion]      open suggestions, by loan_no then priority
    today(user, as_of=None) -> Worklist (a sequence of WorkItem)  a collector's worklist, best first
    next_item(user, as_of=None) -> WorkItem | None            the top of it
    loan_suggestions(loan, as_of=None) -> list[Suggestion]    one loan (the loan page fragment)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, Max, Value, When
from django.db.models.functions import Collate
from django.utils import timezone

from npl.accounts.choices import Role
from npl.advice.choices import Status
from npl.advice.engine import Suggestion, evaluate
from npl.advice.facts import build_facts, loan_facts
from npl.advice.models import RULES, OpenSuggestion, SuggestionRule, SuggestionState
from npl.core import derived, tenancy
from npl.loans import workflow
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent

WINDOW_KEY = "advice_window_days"
WINDOW_DEFAULT = 7  # a collector's "today" holds what is due within this many days (Setting advice_window_days)
# Worklist score weights (docs/advice.md "Ordering"): urgency of the due date first, then what is at stake.
W_URGENCY, W_VALUE, W_PRIORITY = Decimal("0.5"), Decimal("0.3"), Decimal("0.2")
STATE_CHUNK = 900  # loan ids per IN list when reading states


def _today() -> dt.date:
    return timezone.localdate()


def window_days() -> int:
    """Days ahead a worklist looks (Setting `advice_window_days`, default 7)."""
    from npl.core.models import Setting

    row = Setting.objects.filter(key=WINDOW_KEY).first()
    try:
        return max(int(row.value), 0) if row else WINDOW_DEFAULT
    except ValueError:
        return WINDOW_DEFAULT


def rules_in_force(district_id=None):
    """The enabled rules that apply to a district (its own, or the province default's; None: the default's), as
    the engine takes them."""
    return [r.spec() for r in SuggestionRule.objects.filter(enabled=True, **tenancy.rows_filter(RULES, district_id))]


def _closed_keys(loan_ids: list[int]) -> set[tuple[int, str, dt.date]]:
    """(loan, rule code, due) of suggestions already done or dismissed."""
    out = set()
    for i in range(0, len(loan_ids), STATE_CHUNK):
        out.update(
            SuggestionState.objects.filter(loan_id__ids=loan_ids[i : i + STATE_CHUNK], status__in=[Status.DONE, Status.DISMISSED])
            .values_list("loan_id", "rule__code", "due")
        )
    return out


def _open_suggestions(loans, as_of: dt.date, *, given=None) -> tuple[list[Suggestion], dict]:
    from npl.advice.rulesets import RuleSets

    rulesets = RuleSets()  # each loan under its district's rules
    found, facts_by_loan = [], {}
    for facts in build_facts(loans, as_of) if given is None else given:
        facts_by_loan[facts.loan_id] = facts
        found.extend(evaluate(facts, rulesets.of_township(facts.township_id)[0], as_of))
    closed = _closed_keys(list({s.loan_id for s in found}))
    return [s for s in found if (s.loan_id, s.rule, s.due) not in closed], facts_by_loan


def stored_day(as_of: dt.date) -> bool:
    """Whether the stored rows (OpenSuggestion, issue 16) answer for `as_of`: today, once every loan's rows were
    computed today (`core.derived.current`; after midnight and before the sweep they are yesterday's). Any
    other day is computed from the events."""
    return derived.current("suggestions", as_of)


def _from_row(row: OpenSuggestion) -> Suggestion:
    rule = row.rule
    return Suggestion(
        loan_id=row.loan_id, loan_no=row.loan_no, action=row.action, rule=rule.code, rule_name=rule.name,
        text=row.text, why=row.why, due=row.due, priority=row.priority, legal_basis=rule.legal_basis,
        script=row.script, evidence=rule.evidence, facts=tuple(row.facts),
    )


def stored_suggestions(loans) -> list[Suggestion]:
    """Today's open suggestions of a Loan queryset, read from the stored rows."""
    rows = OpenSuggestion.objects.filter(loan__in=loans.order_by().values("pk")).select_related("rule")
    return [_from_row(r) for r in rows.iterator(chunk_size=2000)]


def suggestions_for(loans, as_of: dt.date | None = None) -> list[Suggestion]:
    """Open suggestions for a Loan queryset on as_of (default today): by loan_no, then priority. No scope here:
    callers pass a queryset that starts from Loan.objects.for_user(user) (the CLI passes every loan).
    Today's are the stored rows; another day's are computed."""
    as_of = as_of or _today()
    found = stored_suggestions(loans) if stored_day(as_of) else _open_suggestions(loans, as_of)[0]
    return sorted(found, key=lambda s: (s.loan_no, -s.priority, s.due, s.rule))


def loan_suggestions(loan: Loan, as_of: dt.date | None = None, *, known: dict | None = None) -> list[Suggestion]:
    """Open suggestions of one loan, most important first. known: the loan's clock (with details), balance and
    category codes on as_of, when the caller (the loan page) has computed them: not computed twice."""
    as_of = as_of or _today()
    if stored_day(as_of):
        found = stored_suggestions(Loan.objects.filter(pk=loan.pk))
        return sorted(found, key=lambda s: (-s.priority, s.due, s.rule))
    facts = None if known is None else loan_facts(loan, as_of, **known)
    found, _ = _open_suggestions(Loan.objects.filter(pk=loan.pk), as_of, given=facts)
    return found


# --- worklists -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    """A suggestion on a collector's list, with what ranks it."""

    suggestion: Suggestion
    loan: Loan
    balance: Decimal
    probability: float | None  # recovery likelihood (0..1) from npl.likelihood; None while it is missing
    likelihood_source: str
    score: Decimal
    days_left: int

    @property
    def overdue_days(self) -> int:
        return max(-self.days_left, 0)

    @property
    def probability_percent(self) -> int | None:
        return None if self.probability is None else round(self.probability * 100)


def _likelihood(loan_ids: list[int], as_of: dt.date, categories: dict | None = None) -> dict:
    """Scores from the likelihood app, or {} while it is not installed yet (ordering then uses amount only);
    `categories`: each loan's category codes on the day when the caller has them (score_loans)."""
    try:
        from npl.likelihood.scoring import score_loans  # lazy: likelihood is built beside advice
    except ImportError:
        return {}
    return score_loans(loan_ids, as_of, categories=categories)


def rank(found: list[Suggestion], balances: dict[int, Decimal], likelihood: dict, as_of: dt.date, window: int):
    """(score, days_left, probability, source) per suggestion, as docs/advice.md "Ordering" says."""
    expected = {}
    for s in found:
        score = likelihood.get(s.loan_id)
        p = Decimal(str(score.probability)) if score is not None else Decimal(1)
        expected[s.loan_id] = balances.get(s.loan_id, Decimal(0)) * p
    top = max(expected.values(), default=Decimal(0))
    out = []
    for s in found:
        days_left = (s.due - as_of).days
        urgency = Decimal(1) if days_left <= 0 else max(Decimal(0), 1 - Decimal(days_left) / Decimal(window + 1))
        value = expected[s.loan_id] / top if top > 0 else Decimal(0)
        total = W_URGENCY * urgency + W_VALUE * value + W_PRIORITY * Decimal(s.priority) / 100
        score = likelihood.get(s.loan_id)
        out.append((total.quantize(Decimal("0.0001")), days_left, score.probability if score else None,
                    score.source if score else ""))
    return out


def score_of(days_left: int, value: Decimal, priority: int, window: int) -> Decimal:
    """The worklist score (docs/advice.md "Ordering"): urgency of the due, value against the list's top, priority."""
    urgency = Decimal(1) if days_left <= 0 else max(Decimal(0), 1 - Decimal(days_left) / Decimal(window + 1))
    total = W_URGENCY * urgency + W_VALUE * value + W_PRIORITY * Decimal(priority) / 100
    return total.quantize(Decimal("0.0001"))


class Worklist(Sequence):
    """A collector's list for today, read from the stored rows and ordered in SQL: len() counts, a slice
    fetches only its rows (the page of 30, the home's top five), whatever the size of the portfolio.

    The order is score_of's, computed in the database multiplied through by (window + 1) × top so that it
    needs no division: 0.5·top·U + 0.3·(w+1)·expected + 0.002·(w+1)·top·priority, where U is w+1 for a due
    today or past and w+1 − days left otherwise; ties by due, loan number, rule. (Scores that round to the
    same 0.0001 keep their exact order.)
    """

    def __init__(self, user, as_of: dt.date, window: int):
        self.as_of, self.window = as_of, window
        horizon = as_of + dt.timedelta(days=window)
        self.rows = OpenSuggestion.objects.filter(
            collector_id=user.pk, due__lte=horizon, loan__in=Loan.objects.for_user(user).order_by().values("pk"))
        self._len = self._top = self._by_likelihood = None

    def _figures(self) -> None:
        # The count and the top value in one pass: each read every row of a large list (at a million loans the
        # busiest collector's 37,020 suggestions, 21,656 table pages, ~110 ms apiece).
        if self._len is None or self._top is None:
            found = self.rows.aggregate(n=Count("pk"), top=Max("expected"))
            self._len, self._top = found["n"], found["top"] or Decimal(0)

    def __len__(self) -> int:
        self._figures()
        return self._len

    @property
    def top(self) -> Decimal:
        """The largest expected value on the list (the value part of the score is relative to it)."""
        self._figures()
        return self._top

    @property
    def ordered_by_likelihood(self) -> bool:
        if self._by_likelihood is None:
            self._by_likelihood = self.rows.filter(probability__isnull=False).exists()
        return self._by_likelihood

    def _ordered(self):
        w1, top = self.window + 1, self.top
        number = DecimalField(max_digits=30, decimal_places=8)
        urgency = Case(When(due__lte=self.as_of, then=Value(w1)), default=Value(w1 + self.as_of.toordinal()) - F("due_ordinal"),
                       output_field=IntegerField())
        if top > 0:
            score = (Value(W_URGENCY * top, number) * urgency + Value(W_VALUE * w1, number) * F("expected")
                     + Value(W_PRIORITY / 100 * w1 * top, number) * F("priority"))
        else:
            score = Value(W_URGENCY, number) * urgency + Value(W_PRIORITY / 100 * w1, number) * F("priority")
        loan_no = Collate(F("loan_no"), "C") if connection.vendor == "postgresql" else F("loan_no")
        return (self.rows.annotate(_score=ExpressionWrapper(score, output_field=number))
                .select_related("rule", "loan__borrower", "loan__township")
                .order_by("-_score", "due", loan_no.asc(), "rule__code"))

    def _item(self, row: OpenSuggestion) -> WorkItem:
        days_left = (row.due - self.as_of).days
        value = row.expected / self.top if self.top > 0 else Decimal(0)
        return WorkItem(_from_row(row), row.loan, row.balance, row.probability, row.likelihood_source,
                        score_of(days_left, value, row.priority, self.window), days_left)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if start >= stop:
                return []
            # The slice's ids are chosen by a sort of (id, score) rows only, read from the covering index
            # (open_sugg_collector_cover), then its rows fetched whole by id and put in the same order: sorting the
            # whole rows (their facts, text and script) cost 0.85 s for a collector with 25,874 loans at a million,
            # and fetching them inside one statement made PostgreSQL read every row of the list again to pick
            # the slice's out of it.
            ids = list(self._ordered().values_list("pk", flat=True)[start:stop])
            rows = OpenSuggestion.objects.select_related("rule", "loan__borrower", "loan__township").in_bulk(ids)
            items = [self._item(rows[pk]) for pk in ids if pk in rows]  # a row a refresh removed in between: gone
            return items[::step] if step != 1 else items
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("worklist index out of range")
        return self[index : index + 1][0]

    def __iter__(self):
        return iter(self[0 : len(self)])

    def __eq__(self, other):
        if isinstance(other, (list, tuple, Worklist)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None


def today(user, as_of: dt.date | None = None, *, window: int | None = None) -> Sequence[WorkItem]:
    """A collector's list: open suggestions on their own loans due by as_of + window, best first. Today's is a
    `Worklist` over the stored rows (sliced by pages); another day's is computed, as a list."""
    as_of = as_of or _today()
    window = window_days() if window is None else window
    if stored_day(as_of):
        return Worklist(user, as_of, window)
    return computed_worklist(user, as_of, window)


def computed_worklist(user, as_of: dt.date, window: int) -> list[WorkItem]:
    """The worklist computed from the events (a day other than today's stored one)."""
    loans = Loan.objects.for_user(user).filter(responsible_person_id=user.pk)
    found, facts = _open_suggestions(loans, as_of)
    horizon = as_of + dt.timedelta(days=window)
    found = [s for s in found if s.due <= horizon]
    by_pk = Loan.objects.select_related("borrower", "township").in_bulk({s.loan_id for s in found})
    balances = {pk: f.balance for pk, f in facts.items()}
    ranks = rank(found, balances, _likelihood(list(by_pk), as_of), as_of, window)
    items = [
        WorkItem(s, by_pk[s.loan_id], balances[s.loan_id], p, source, score, days_left)
        for s, (score, days_left, p, source) in zip(found, ranks)
    ]
    items.sort(key=lambda i: (-i.score, i.suggestion.due, i.suggestion.loan_no, i.suggestion.rule))
    return items


def by_likelihood(items) -> bool:
    """Whether any item of the list is ranked by a likelihood score (the page says so)."""
    if isinstance(items, Worklist):
        return items.ordered_by_likelihood
    return any(i.probability is not None for i in items)


def next_item(user, as_of: dt.date | None = None) -> WorkItem | None:
    """The top of the collector's list (or None when it is empty)."""
    items = today(user, as_of)[0:1]
    return items[0] if items else None


# --- done / dismiss --------------------------------------------------------------------------------------

HANDLERS = {Role.COLLECTOR, Role.TOWNSHIP_ADMIN}


def _current(user, loan: Loan, rule_code: str, due: dt.date) -> tuple[Loan, SuggestionRule]:
    if workflow.role_of(user) not in HANDLERS:
        raise PermissionDenied("只有清收人员和乡镇管理员可以处理清收建议")
    loan = Loan.objects.for_user(user).filter(pk=loan.pk).first()
    if loan is None:
        raise PermissionDenied("该贷款不在您的管辖范围内")
    rule = SuggestionRule.objects.filter(code=rule_code, **tenancy.rows_filter(RULES, loan.township.district_id)).first()
    if rule is None:
        raise ValidationError(f"规则“{rule_code}”不存在")
    if not any(s.rule == rule_code and s.due == due for s in loan_suggestions(loan, _today())):
        raise ValidationError("该建议已处理或已不再适用，请刷新后重试", code="stale")
    return loan, rule


def _note(loan: Loan, user, text: str) -> None:
    LoanEvent.objects.create(loan=loan, kind=EventKind.NOTE, field="advice", note=text[:500], occurred_on=_today(), actor=user)


def mark_done(user, loan: Loan, rule_code: str, due: dt.date, action) -> SuggestionState:
    """完成: the suggestion was carried out by `action` (a ledger line of the same loan)."""
    with derived.deferred():
        loan, rule = _current(user, loan, rule_code, due)
        if action is None or action.loan_id != loan.pk:
            raise ValidationError({"action": "请选择本笔贷款的一条催收记录"})
        state = SuggestionState.objects.create(loan=loan, rule=rule, due=due, status=Status.DONE, action=action, by=user)
        _note(loan, user, f"清收建议“{rule.name}”（期限{due:%Y-%m-%d}）已完成：{action.acted_on:%Y-%m-%d} {action.get_method_display()}")
    return state


def dismiss(user, loan: Loan, rule_code: str, due: dt.date, reason: str) -> SuggestionState:
    """不采纳: the collector says why; the same suggestion (same due) does not come back."""
    reason = (reason or "").strip()
    with derived.deferred():
        if not reason:
            raise ValidationError({"reason": "请填写不采纳的原因"})
        loan, rule = _current(user, loan, rule_code, due)
        state = SuggestionState.objects.create(loan=loan, rule=rule, due=due, status=Status.DISMISSED, reason=reason[:300], by=user)
        _note(loan, user, f"清收建议“{rule.name}”（期限{due:%Y-%m-%d}）不采纳：{reason}")
    return state


# --- one collector per borrower --------------------------------------------------------------------------


def assign_collector(borrower, collector, *, township, by, expected_versions: dict[int, int] | None = None) -> list[Loan]:
    """Make `collector` responsible for all of the borrower's loans in the township, together (one per borrower).

    Township admins of that township (and the district admin) only; the collector must be an active collector
    of the same township. expected_versions {loan id: version} as the page showed them: if any loan changed
    since, nothing moves (optimistic locking, as npl.loans.workflow).
    """
    role = workflow.role_of(by)
    if role == Role.TOWNSHIP_ADMIN:
        if by.township_id != township.pk:
            raise PermissionDenied("只能分配本乡镇的贷款")
    elif role != Role.DISTRICT_ADMIN:
        raise PermissionDenied("只有乡镇管理员可以分配责任人")
    if collector is None or collector.role != Role.COLLECTOR or not collector.is_active:
        raise ValidationError({"collector": "请选择一名在岗的清收人员"})
    if collector.township_id != township.pk:
        raise ValidationError({"collector": f"{collector}不是{township.name}的清收人员"})
    with derived.deferred():
        loans = list(Loan.objects.select_for_update().filter(borrower=borrower, township=township).order_by("pk"))
        if not loans:
            raise ValidationError("该借款人在本乡镇没有贷款")
        if expected_versions is not None and any(expected_versions.get(x.pk) != x.version for x in loans):
            raise workflow.StaleVersion()
        moved = []
        for loan in loans:
            if loan.responsible_person_id == collector.pk:
                continue
            before = str(loan.responsible_person) if loan.responsible_person_id else "—"
            event = LoanEvent(loan_id=loan.pk, kind=EventKind.ASSIGNED, field="responsible_person", before=before,
                              after=str(collector), note=f"按借款人统一分配责任人（{township.name}）",
                              occurred_on=_today(), actor=by)
            moved.append(workflow.change_locked(loan, {"responsible_person_id": collector.pk}, [event]))
    return moved


def split_borrowers(township) -> list[dict]:
    """Borrowers of the township whose loans have more than one responsible person (or some none): to unify."""
    people = {}
    for borrower_id, person_id in Loan.objects.filter(township=township).exclude(status="settled").values_list(
        "borrower_id", "responsible_person_id"
    ):
        people.setdefault(borrower_id, set()).add(person_id)
    return [{"borrower_id": b, "people": p} for b, p in people.items() if len(p) > 1]


# --- rule edits ------------------------------------------------------------------------------------------

RULE_FIELDS = ("name", "enabled", "action", "condition", "text", "priority", "due_from", "due_in_days", "due_cap",
               "cap_margin_days", "legal_basis", "script", "evidence")


def may_edit_rules(user) -> bool:
    """District admins (their district's own rules) and the 省金融办 (the province default)."""
    return tenancy.may_edit(user, RULES)


def save_rule(rule: SuggestionRule | None, user, **fields) -> SuggestionRule:
    """Create or change a rule — a district admin's in their district's own rules (the first change adopts them,
    copying the default, and changes the district's copy), the 省金融办's in the default; the condition is
    validated before anything is saved."""
    if not may_edit_rules(user):
        raise PermissionDenied("只有区金融办（本区规则）或省金融办（省级默认）可以修改清收建议规则")
    with derived.deferred():
        owner = tenancy.ensure_own(user, RULES)
        if rule is not None and rule.district_id != owner:
            if rule.district_id is not None:
                raise PermissionDenied("不能修改其他区县的清收建议规则")
            rule = SuggestionRule.objects.get(district_id=owner, code=rule.code)  # the district's copy of it
        rule = rule or SuggestionRule(code=fields.pop("code", ""), district_id=owner)
        fields.pop("code", None)
        for name in RULE_FIELDS:
            if name in fields:
                setattr(rule, name, fields[name])
        rule.updated_by = user
        rule.full_clean()
        rule.save()
        tenancy.changed(RULES, owner)  # the open suggestions of the loans these rules apply to follow the edit
    return rule


def copy_rules(district_id: int, user=None) -> None:
    """Adopting (npl.core.tenancy): the default's rules become the district's own."""
    rows = list(SuggestionRule.objects.filter(district__isnull=True))
    for r in rows:
        r.pk, r.district_id = None, district_id
    SuggestionRule.objects.bulk_create(rows)


def clear_rules(district_id: int) -> None:
    """Restoring the default: what was done or dismissed under the district's rules moves to the default's rule of
    the same code (the code is what keeps a suggestion away), then the district's rules go."""
    default = dict(SuggestionRule.objects.filter(district__isnull=True).values_list("code", "pk"))
    for code, pk in SuggestionRule.objects.filter(district_id=district_id).values_list("code", "pk"):
        states = SuggestionState.objects.filter(rule_id=pk)
        if states.exists():
            if code not in default:
                raise ValidationError(f"本区规则“{code}”已有处理记录，省级默认没有同代码的规则，不能恢复省级默认")
            states.update(rule_id=default[code])
    SuggestionRule.objects.filter(district_id=district_id).delete()


def set_enabled(rule: SuggestionRule, user, enabled: bool) -> SuggestionRule:
    """启用/停用 a rule (district admin only)."""
    return save_rule(rule, user, enabled=enabled)
