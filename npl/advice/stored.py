"""The `suggestions` deriver (issue 16): each loan's open suggestions stored as `OpenSuggestion` rows.

`compute` is the one computation (the same as services.suggestions_for on a past day: facts in bulk, the
rules in force, less what was done or dismissed, with the likelihood the worklist ranks by); `refresh` writes
only its difference from the stored rows, `differences` lists it (`npl derive --check`). Pages, the API and
`npl advise` read the rows for today (services); a past day is still computed.

Reads: the rules, the likelihood model, who is responsible (assignment), the calendar (through the clocks),
and the memberships and clocks derivers' rows — so an edited rule, a retrained model, a roster or calendar
change reaches every loan's rows. The roster, bank-list, manual and threshold sources are named as well so
that this deriver follows them whether or not the memberships deriver is registered.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from types import SimpleNamespace

from npl.advice.rulesets import RuleSets
from npl.core import derived
from npl.core.bulk import GrowingTables, delete_in, insert_dicts, update_objects
from npl.core.money import CENT

CHUNK = 1000  # loans per round: a fixed handful of queries each (facts.build_facts)
# The stored fields a fresh computation must reproduce (besides loan and rule, the row's key).
FIELDS = ("loan_no", "collector_id", "township_id", "action", "due", "priority", "balance", "probability",
          "likelihood_source", "expected", "text", "why", "script", "facts")


def _rules() -> RuleSets:
    return RuleSets()


def _expected(balance: Decimal, score) -> Decimal:
    """What the worklist weighs: the balance times the chance of repaying (1 while there is no score)."""
    p = Decimal(str(score.probability)) if score is not None else Decimal(1)
    return (balance * p).quantize(CENT)


def compute(loans: list, day: dt.date, rulesets: RuleSets) -> dict[tuple[int, str], dict]:
    """(loan id, rule code) → the stored fields of each open suggestion of these loans (Loan objects with their
    borrower, or _Loan rows) on `day`, each loan under its district's rules."""
    from npl.advice.engine import evaluate
    from npl.advice.facts import _chunk
    from npl.advice.services import _closed_keys, _likelihood

    found, facts_of, ids_of = [], {}, {}
    for facts in _chunk(loans, day):
        facts_of[facts.loan_id] = facts
        rules, ids_of[facts.loan_id] = rulesets.of_township(facts.township_id)
        found.extend(evaluate(facts, rules, day))
    if not found:
        return {}
    closed = _closed_keys(sorted({s.loan_id for s in found}))
    found = [s for s in found if (s.loan_id, s.rule, s.due) not in closed]
    # The facts hold each loan's categories on the day (the engine's, or today the stored memberships, which equal
    # them): the likelihood reads those instead of asking the engine again.
    scored = sorted({s.loan_id for s in found})
    scores = _likelihood(scored, day, {pk: facts_of[pk].categories for pk in scored}) if found else {}
    out = {}
    for s in found:
        f = facts_of[s.loan_id]
        score = scores.get(s.loan_id)
        out[(s.loan_id, s.rule)] = {
            "rule_id": ids_of[s.loan_id][s.rule],
            "loan_no": s.loan_no,
            "collector_id": f.responsible_person_id,
            "township_id": f.township_id,
            "action": s.action,
            "due": s.due,
            "priority": s.priority,
            "balance": f.balance,
            "probability": score.probability if score is not None else None,
            "likelihood_source": score.source if score is not None else "",
            "expected": _expected(f.balance, score),
            "text": s.text,
            "why": s.why,
            "script": s.script,
            "facts": list(s.facts),
        }
    return out


# What facts._chunk reads of a loan and its borrower: plain values (a Loan and a Borrower instance per loan were a
# tenth of a first import's refresh, as they were of the clocks deriver's).
LOAN_FIELDS = ("pk", "loan_no", "township_id", "responsible_person_id", "borrower_id", "status", "interest_on",
               "interest_off", "penalty_interest", "compound_interest", "has_mortgage", "interest_suspended",
               "created_at", "borrower__id_hash")


class _Loan:
    """A loan as facts._chunk reads it (the attributes of a Loan with its borrower that it uses)."""

    __slots__ = ("pk", "loan_no", "township_id", "responsible_person_id", "borrower_id", "status", "interest_total",
                 "has_mortgage", "interest_suspended", "created_at", "borrower")

    def __init__(self, pk, loan_no, township_id, person_id, borrower_id, status, on, off, penalty, compound,
                 has_mortgage, interest_suspended, created_at, id_hash):
        self.pk, self.loan_no, self.township_id, self.responsible_person_id = pk, loan_no, township_id, person_id
        self.borrower_id, self.status, self.has_mortgage = borrower_id, status, has_mortgage
        self.interest_total = on + off + penalty + compound  # Loan.interest_total
        self.interest_suspended, self.created_at = interest_suspended, created_at
        self.borrower = SimpleNamespace(id_hash=id_hash)


def _loan_chunks(loan_ids: set[int] | None) -> Iterator[list]:
    """The loans (as _Loan), CHUNK at a time: the named ones, or every loan."""
    from npl.loans.models import Loan

    ids = sorted(loan_ids) if loan_ids is not None else list(Loan.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        yield [_Loan(*row) for row in Loan.objects.filter(pk__ids=part).order_by("pk").values_list(*LOAN_FIELDS)], part


def _stored(ids: list[int]) -> dict[tuple[int, str], dict]:
    from npl.advice.models import OpenSuggestion

    rows = OpenSuggestion.objects.filter(loan_id__ids=ids).values("pk", "loan_id", "rule__code", "rule_id", *FIELDS)
    return {(r["loan_id"], r["rule__code"]): r for r in rows}


def _changed(stored: dict, computed: dict) -> list[str]:
    return [f for f in FIELDS if stored[f] != computed[f]]


class SuggestionsDeriver(derived.Deriver):
    name = "suggestions"
    label = "待办清收建议"
    order = 30
    reads = frozenset({"rules", "likelihood", "assignment", "calendar", "memberships", "clocks",
                       "roster", "loanlist", "manual", "threshold"})

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        from npl.advice.models import OpenSuggestion

        rulesets = _rules()
        changed = 0
        growing = GrowingTables()
        for loans, ids in _loan_chunks(loan_ids):
            fresh = compute(loans, day, rulesets)
            stored = _stored(ids)
            gone = [row["pk"] for key, row in stored.items() if key not in fresh]
            new, updated = [], []
            for key, values in fresh.items():
                row = stored.get(key)
                if row is None:
                    new.append({"loan_id": key[0], "day": day, "due_ordinal": values["due"].toordinal(), **values})
                elif _changed(row, values) or row["rule_id"] != values["rule_id"]:  # a district adopting its own rules
                    updated.append(SimpleNamespace(pk=row["pk"], day=day, due_ordinal=values["due"].toordinal(), **values))
            if gone:
                delete_in(OpenSuggestion, "id", gone)
            # Plain executemany (core.bulk), as the clocks deriver writes: a first import of N loans inserts about
            # N rows here, and bulk_create's model instances and compiled SQL were a fifth of its refresh.
            insert_dicts(OpenSuggestion, new)
            update_objects(OpenSuggestion, updated, ["day", "due_ordinal", "rule_id", *FIELDS])
            changed += len(gone) + len(new) + len(updated)
            growing.chunk_written(len(new))
        return changed

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        rulesets = _rules()
        for loans, ids in _loan_chunks(None):
            yield from diff_rows(_stored(ids), compute(loans, day, rulesets), self.name)


def _summary(row: dict) -> dict:
    return {"due": row["due"], "priority": row["priority"]}


def diff_rows(stored: dict, fresh: dict, name: str = "suggestions") -> Iterable[derived.Difference]:
    """Where the stored rows and a fresh computation differ: a row missing on either side, or the fields that differ."""
    for key in sorted(set(stored) | set(fresh)):
        loan_id, code = key
        s, c = stored.get(key), fresh.get(key)
        if s is None:
            yield derived.Difference(name, loan_id, code, None, _summary(c))
        elif c is None:
            yield derived.Difference(name, loan_id, code, _summary(s), None)
        elif fields := _changed(s, c):
            yield derived.Difference(name, loan_id, code, {f: s[f] for f in fields}, {f: c[f] for f in fields})
