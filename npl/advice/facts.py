"""Gather LoanFacts for many loans in bulk: a fixed handful of queries per CHUNK loans, whatever their history.

Sources (one query each per chunk): the loans with their balance and category flags on the day
(npl.categories.engine.conditions), the days each category started (rosters, the bank's list, cases,
manual additions), the legal clocks (npl.collection.clocks.gather.compute_clocks), the ledger (last
action, promises), plan instalments, bank cases with their dated stages, and confirmed repayments.
Only what happened on or before the as-of day counts, so any past day can be asked.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Max, Q, Sum
from django.utils import timezone

from npl.advice.engine import LoanFacts
from npl.categories.choices import SUB_PARENT
from npl.core import derived
from npl.core.money import CENT

CHUNK = 1000
BANK_SUED = "bank_sued_borrower"


def _in_force(qs, day):
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _categories(ids: list[int], day: dt.date) -> dict[int, tuple[Decimal, frozenset]]:
    """loan id → (balance on the day, its categories and subcategories): one query, flags as the engine defines
    them; today the categories are the stored memberships (categories.Membership, issue 16) instead."""
    from npl.categories.engine import conditions
    from npl.categories.models import Membership
    from npl.loans.balances import BALANCE, with_balance
    from npl.loans.models import Loan

    if derived.current("memberships", day):
        stored = defaultdict(set)
        for loan_id, code in Membership.objects.filter(loan_id__ids=ids).values_list("loan_id", "code"):
            stored[loan_id].add(code)
        out = {}
        for pk, balance in with_balance(Loan.objects.filter(pk__ids=ids), day).values_list("pk", BALANCE):
            if balance is not None:  # else the loan did not exist on the day (no bank snapshot yet)
                out[pk] = (Decimal(balance).quantize(CENT), frozenset(stored[pk]))
        return out
    conds = conditions(day, loan_ids=ids)  # read for these loans only (categories.engine.Rules)
    flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
    out = {}
    for row in with_balance(Loan.objects.filter(pk__ids=ids), day).annotate(**flags).values("pk", BALANCE, *flags):
        if row[BALANCE] is None:
            continue  # the loan did not exist on the day (no bank snapshot yet)
        cats = frozenset(code for code in conds if row[f"c_{code}"])
        out[row["pk"]] = (Decimal(row[BALANCE]).quantize(CENT), cats)
    return out


def _since(loans: list, day: dt.date) -> dict[int, dict[str, dt.date]]:
    """loan id → {category code: the day its source (roster, list, case, manual addition) put the loan in}."""
    from npl.categories.models import LoanListEntry, ManualMembership, RosterEntry, roster_applies, township_districts
    from npl.litigation.models import LitigationCase

    ids = [loan.pk for loan in loans]
    out: dict[int, dict[str, dt.date]] = defaultdict(dict)

    def note(loan_id, code, on):
        if on is not None and (code not in out[loan_id] or on < out[loan_id][code]):
            out[loan_id][code] = on

    by_hash = defaultdict(list)
    for id_hash, kind, district_id, town_id, start in RosterEntry.objects.in_force(day).filter(
        person__id_hash__in={loan.borrower.id_hash for loan in loans}
    ).values_list("person__id_hash", "kind", "district_id", "township_id", "valid_from"):
        by_hash[id_hash].append((kind, district_id, town_id, start))
    districts = township_districts(e[1] for entries in by_hash.values() for e in entries)
    for loan in loans:
        for kind, district_id, town_id, start in by_hash[loan.borrower.id_hash]:
            if roster_applies(district_id, town_id, districts.get(loan.township_id), loan.township_id):
                note(loan.pk, kind, start)
    for loan_id, sub, start in _in_force(LoanListEntry.objects.filter(loan_id__ids=ids), day).values_list(
        "loan_id", "subcategory", "valid_from"
    ):
        note(loan_id, sub, start)
    for loan_id, direction, start in LitigationCase.objects.filter(loan_id__ids=ids, counted_from__lte=day).values_list(
        "loan_id", "direction", "counted_from"
    ):
        note(loan_id, direction, start)
    manual = _in_force(ManualMembership.objects.filter(
        loan_id__ids=ids, op=ManualMembership.Op.ADD, status=ManualMembership.Status.APPROVED), day)
    for loan_id, code, start in manual.values_list("loan_id", "code", "valid_from"):
        note(loan_id, code, start)
    for loan_id, codes in list(out.items()):
        for code, on in list(codes.items()):
            if code in SUB_PARENT:
                note(loan_id, SUB_PARENT[code], on)
    return out


def _ledger(ids: list[int], day: dt.date) -> dict[int, dict]:
    """loan id → last action day and the state of its latest promise on the day."""
    from npl.collection.models import CollectionAction

    out: dict[int, dict] = defaultdict(dict)
    latest_promise = {}
    for loan_id, acted_on, promise_date, status, closed_on in (
        CollectionAction.objects.filter(loan_id__ids=ids, acted_on__lte=day)
        .order_by("acted_on", "pk")
        .values_list("loan_id", "acted_on", "promise_date", "promise_status", "promise_closed_on")
    ):
        row = out[loan_id]
        row["last_action_on"] = max(acted_on, row.get("last_action_on", acted_on))
        if promise_date is not None:
            latest_promise[loan_id] = (promise_date, status, closed_on)
    for loan_id, (promise_date, status, closed_on) in latest_promise.items():
        kept = status == "kept" and (closed_on is None or closed_on <= day)
        if status == "broken" and (closed_on or promise_date) <= day:
            out[loan_id].update(promise_broken=True, promise_broken_on=closed_on or promise_date + dt.timedelta(days=1))
        elif not kept and promise_date < day:
            # an open promise past its day: broken as of the day, even before the daily sweep says so
            out[loan_id].update(promise_broken=True, promise_broken_on=promise_date + dt.timedelta(days=1))
    return out


def _plans(ids: list[int], day: dt.date) -> dict[int, dt.date]:
    """loan id → the day its plan's earliest unpaid instalment became missed (the day after it was due)."""
    from npl.collection.models import PlanInstalment

    out = {}
    for loan_id, due_on, status, paid_on in PlanInstalment.objects.filter(
        # a plan broken since (by the sweep, perhaps after the day) still had its instalment missed on the day
        plan__loan_id__ids=ids, plan__status__in=("approved", "broken"), plan__signed_on__lte=day, due_on__lt=day
    ).values_list("plan__loan_id", "due_on", "status", "paid_on"):
        if status == "paid" and paid_on is not None and paid_on <= day:
            continue
        missed_on = due_on + dt.timedelta(days=1)
        out[loan_id] = min(out.get(loan_id, missed_on), missed_on)
    return out


def _cases(ids: list[int], day: dt.date) -> dict[int, dict]:
    """loan id → the bank's case as of the day: its stage (from the dated stage history), stage day, judgment, listing."""
    from npl.litigation.models import CaseStage, LitigationCase

    cases = list(
        LitigationCase.objects.filter(loan_id__ids=ids, direction=BANK_SUED, counted_from__lte=day)
        .order_by("counted_from", "pk")
        .values("pk", "loan_id", "stage", "filed_on", "accepted_on", "counted_from", "judgment_on", "dishonest_listing",
                "dishonest_requested_on", "dishonest_listed_on", "batch__as_of", "created_at")
    )
    history = defaultdict(list)
    for case_id, stage, on in CaseStage.objects.filter(case_id__ids=[c["pk"] for c in cases], on__lte=day).order_by(
        "on", "pk"
    ).values_list("case_id", "stage", "on"):
        history[case_id].append((stage, on))
    out = {}
    for c in cases:
        hist = history[c["pk"]]
        if hist:
            stage, on = hist[-1]
        else:  # an imported case may carry only its current stage
            stage, on = c["stage"], c["accepted_on"] or c["filed_on"] or c["counted_from"]
        # A court file may state a later stage (执行中, 终本) with no date column for it: it is known from the
        # file's as-of day (else the day the case was recorded), so it counts from then, never earlier.
        known_on = c["batch__as_of"] or timezone.localdate(c["created_at"])
        if hist and c["stage"] not in {s for s, _ in hist} and known_on <= day and known_on >= on:
            stage, on = c["stage"], known_on
        if stage == "closed" and out.get(c["loan_id"]):
            continue  # an earlier open case of the same loan says more than a closed later one
        judged = [d for s, d in hist if s in ("judged", "mediated")]
        listing = c["dishonest_listing"]
        if listing == "listed" and (c["dishonest_listed_on"] or day) > day:
            listing = "requested"
        if listing == "requested" and (c["dishonest_requested_on"] or day) > day:
            listing = ""
        out[c["loan_id"]] = {
            "litigation_stage": stage,
            "litigation_stage_on": on,
            "judgment_on": c["judgment_on"] if c["judgment_on"] and c["judgment_on"] <= day else (judged[0] if judged else None),
            "terminated_on": on if stage == "terminated_round" else None,
            "dishonest_listing": listing or "",
        }
    return out


def _repayments(ids: list[int], day: dt.date) -> dict[int, tuple[Decimal, dt.date]]:
    from npl.collection.models import Repayment

    rows = (
        Repayment.objects.filter(loan_id__ids=ids, confirmed=True, paid_on__lte=day)
        .values("loan_id").annotate(total=Sum("principal"), last=Max("paid_on")).values_list("loan_id", "total", "last")
    )
    return {loan_id: (Decimal(total or 0).quantize(CENT), last) for loan_id, total, last in rows}


def _guarantee(clock) -> tuple[str | None, dt.date | None, int]:
    """(status, end day) of the guarantee period to watch among guarantors not released nor claimed, and the count not released."""
    live = [g for g in clock.guarantees if g.status != "released"]
    # a guarantor already asked to pay within the period (民法典 art. 694) needs no reminder about that period
    watch = [g for g in live if not g.claimed]
    if not watch:
        return None, None, len(live)
    # the first period still running is the one to act on; only when all have ended, the first that ended
    first = min(watch, key=lambda g: (g.status == "lapsed", g.ends_on))
    return first.status, first.ends_on, len(live)


def loan_facts(loan, day: dt.date, *, clock, balance, categories) -> list[LoanFacts]:
    """The facts of one loan whose clock (with details) and categories on `day` the caller has computed
    (the loan page): [] when the loan did not exist on the day (balance None)."""
    if balance is None:
        return []
    cats = {loan.pk: (Decimal(balance).quantize(CENT), frozenset(categories))}
    return list(_chunk([loan], day, cats=cats, clocks={loan.pk: clock}))


def _stored_clocks(ids: list[int], day: dt.date) -> dict | None:
    """Today's clocks of these loans from the clocks deriver's rows (collection.LoanClock), or None when a loan
    has no row of `day` (then the caller computes them): the suggestions deriver runs after the clocks one."""
    from npl.collection.clocks.store import from_data
    from npl.collection.models import LoanClock

    # By loan only (one row each), the day compared here: with `day=` in the query a planner without statistics
    # (a first import, before its ANALYZE) took the day's index and read every clock row for each chunk.
    rows = {loan_id: data for loan_id, on, data in LoanClock.objects.filter(loan_id__ids=ids).values_list("loan_id", "day", "data")
            if on == day}
    if len(rows) != len(set(ids)):
        return None
    return {loan_id: from_data(data, trail=False) for loan_id, data in rows.items()}  # the facts read no trail


def _chunk(loans: list, day: dt.date, *, cats=None, clocks=None) -> Iterator[LoanFacts]:
    """LoanFacts of these loans (Loan objects with their borrower) that exist on `day`.

    Seam (issue 16): `cats` (loan id → (balance, category codes)) and `clocks` (loan id → a clock with
    details) are what the memberships and clocks derivers store for today. When their rows are there for
    `day` the caller may pass them read from those rows instead of computing them here (benchmarks/
    suggestions.py shows what each source costs); other days are always computed."""
    from npl.collection.clocks.gather import compute_clocks
    from npl.loans.models import Loan

    ids = [loan.pk for loan in loans]
    cats = _categories(ids, day) if cats is None else cats
    alive = [loan for loan in loans if loan.pk in cats]
    if not alive:
        return
    ids = [loan.pk for loan in alive]
    since = _since(alive, day)
    if clocks is None and day == timezone.localdate():
        clocks = _stored_clocks(ids, day)
    if clocks is None:
        clocks = {loan.pk: clock for loan, clock in compute_clocks(Loan.objects.filter(pk__ids=ids), day, details=True)}
    ledger, plans, cases, pays = _ledger(ids, day), _plans(ids, day), _cases(ids, day), _repayments(ids, day)
    for loan in alive:
        balance, codes = cats[loan.pk]
        clock = clocks[loan.pk]
        g_status, g_end, g_count = _guarantee(clock)
        repaid, last_paid = pays.get(loan.pk, (Decimal("0.00"), None))
        yield LoanFacts(
            loan_id=loan.pk,
            loan_no=loan.loan_no,
            as_of=day,
            township_id=loan.township_id,
            responsible_person_id=loan.responsible_person_id,
            borrower_id=loan.borrower_id,
            categories=codes,
            category_since=since.get(loan.pk, {}),
            loan_status=loan.status,
            balance=balance,
            interest_owed=loan.interest_total,
            has_mortgage=loan.has_mortgage,
            guarantor_count=g_count,
            interest_suspended=loan.interest_suspended,
            registered_on=timezone.localdate(loan.created_at),
            limitation_status=clock.status,
            limitation_deadline=clock.deadline,
            limitation_review=clock.needs_legal_review,
            enforcement_status=clock.enforcement_status,
            enforcement_deadline=clock.enforcement_deadline,
            judgment_unenforced=clock.enforcement_deadline is not None,
            guarantee_status=g_status,
            guarantee_deadline=g_end,
            release_date=clock.release_date,
            repaid_principal=repaid,
            last_repayment_on=last_paid,
            instalment_missed=loan.pk in plans,
            instalment_missed_on=plans.get(loan.pk),
            **ledger.get(loan.pk, {}),
            **cases.get(loan.pk, {}),
        )


def build_facts(loans, as_of: dt.date) -> Iterator[LoanFacts]:
    """LoanFacts of every loan of the queryset that exists on as_of, in loan_no order, CHUNK loans per round."""
    ids = list(loans.order_by("loan_no").values_list("pk", flat=True))
    model = loans.model
    for i in range(0, len(ids), CHUNK):
        rows = list(model.objects.filter(pk__ids=ids[i : i + CHUNK]).select_related("borrower").order_by("loan_no"))
        yield from _chunk(rows, as_of)

