"""Gather the facts of many loans in a few queries per thousand loans and run the rules on them.

Feeds `npl report clocks` (INTAKE.md), the township alert list and the loan page partial.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from npl.collection.clocks.rows import report_row as stored_report_row
from npl.collection.clocks.rows import stored_for
from npl.collection.clocks.rules import (
    Action,
    Agreement,
    Demand,
    GuarantorFact,
    Intervals,
    Payment,
    Suit,
    compute_limitation,
    status_for,
)
from npl.core import derived
from npl.core.masking import mask_name

CHUNK = 1000  # loans per round of queries: bounded memory and IN lists, a few queries per thousand loans
ENFORCEMENT_STAGES = ("enforcement_applied", "enforcing", "terminated_round", "resumed")
JUDGMENT_STAGES = ("judged", "mediated", "effective")
STORED_REPORT_FIELDS = (
    "status", "deadline", "nominal_deadline", "deadline_reason", "basis", "schedule_missing", "enforcement_status",
    "enforcement_deadline", "enforcement_nominal_deadline", "enforcement_reason", "enforcement_schedule_missing",
)


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _suits(cases: list[dict], stages: dict[int, list[tuple[str, dt.date]]]) -> list[Suit]:
    """Resolve each case's dates from its fields, falling back on its dated stage history."""
    out = []
    for c in cases:
        hist = stages.get(c["pk"], [])

        def first(names, hist=hist):
            days = [on for stage, on in hist if stage in names]
            return min(days) if days else None

        judgment_on = c["judgment_on"] or first(JUDGMENT_STAGES)
        judged_stage = c["stage"] in JUDGMENT_STAGES or any(s in JUDGMENT_STAGES for s, _ in hist)
        enforcement_on = c["enforcement_filed_on"] or first(ENFORCEMENT_STAGES)
        out.append(
            Suit(
                direction=c["direction"],
                on=c["filed_on"] or c["accepted_on"] or c["counted_from"],
                case_no=c["case_no"],
                judgment_on=judgment_on,
                judged_undated=judgment_on is None and judged_stage,
                performance_due=c["performance_due"],
                enforcement_case_no=c["enforcement_case_no"],
                enforcement_on=enforcement_on,
                has_enforcement=bool(c["enforcement_case_no"]) or c["stage"] in ENFORCEMENT_STAGES,
                closed=c["stage"] == "closed",
                closed_on=first(("closed",)),
            )
        )
    return out


def _lost_contact(loans, ids: set[int]) -> dict[int, Intervals]:
    """Days each loan's borrower was in the lost-contact category, straight from the sources.

    Not categories.engine.loan_ids_in: that needs a balance on the day, and a newspaper notice of
    2024 must be judged even when the bank's first snapshot of the loan is from 2026.
    """
    from npl.categories.models import ManualMembership, RosterEntry, roster_applies, township_districts

    wanted = [loan for loan in loans if loan.pk in ids]
    if not wanted:
        return {}
    by_hash = defaultdict(list)
    for id_hash, district_id, town_id, start, end in RosterEntry.objects.filter(
        kind="lost_contact", person__id_hash__texts=list({loan.borrower.id_hash for loan in wanted})
    ).values_list("person__id_hash", "district_id", "township_id", "valid_from", "valid_to"):
        by_hash[id_hash].append((district_id, town_id, start, end))
    districts = township_districts(e[0] for entries in by_hash.values() for e in entries)
    manual = defaultdict(lambda: ([], []))
    for loan_id, op, start, end in ManualMembership.objects.filter(
        loan_id__ids=ids, code="lost_contact", status=ManualMembership.Status.APPROVED, valid_from__isnull=False
    ).values_list("loan_id", "op", "valid_from", "valid_to"):
        manual[loan_id][0 if op == ManualMembership.Op.ADD else 1].append((start, end))
    out = {}
    for loan in wanted:
        adds, removes = manual[loan.pk]
        roster = [(s, e) for d, town, s, e in by_hash[loan.borrower.id_hash]
                  if roster_applies(d, town, districts.get(loan.township_id), loan.township_id)]
        out[loan.pk] = Intervals(roster + adds, removes)
    return out


def _release_dates(loans, as_of: dt.date, span=None) -> dict[int, dt.date | None]:
    """刑满释放日期 from the imprisoned roster entry in force on as_of (borrower level, township-scoped or not).

    span: (first, last) loan id covering exactly `loans` (see _chunk_clocks): the borrowers by a join, not a
    list of a thousand hashes."""
    from npl.categories.models import RosterEntry, roster_applies, township_districts
    from npl.loans.models import Loan

    if span is None:
        hashes = {loan.borrower.id_hash for loan in loans}
    else:
        hashes = Loan.objects.filter(pk__gte=span[0], pk__lte=span[1]).values("borrower__id_hash")
    rows = defaultdict(list)
    for id_hash, district_id, town_id, start, details in (
        RosterEntry.objects.in_force(as_of)
        .filter(kind="imprisoned", person__id_hash__in=hashes)
        .values_list("person__id_hash", "district_id", "township_id", "valid_from", "details")
    ):
        rows[id_hash].append((start, district_id, town_id, details or {}))
    districts = township_districts(r[1] for entries in rows.values() for r in entries)
    out = {}
    for loan in loans:
        hits = sorted((s, d) for s, dist, t, d in rows[loan.borrower.id_hash]
                      if roster_applies(dist, t, districts.get(loan.township_id), loan.township_id))
        day = None
        if hits:
            try:
                # The roster importer keys details by field name; hand-made entries may use the column title.
                found = hits[-1][1]
                day = _as_date(found.get("release_date") or found.get("刑满释放日期"))
            except ValueError:
                day = None  # an unreadable date is shown as missing rather than guessed
        out[loan.pk] = day
    return out


def _chunk_facts(loans: list, as_of: dt.date, *, full: bool, details: bool, span=None) -> _Facts:
    """The facts of up to CHUNK loans' clocks on `as_of` in a fixed handful of queries (see _chunk_clocks)."""
    from django.db.models import Q

    from npl.collection.choices import DemandEvidence
    from npl.collection.models import CollectionAction, GuarantorDemand, Repayment, RepaymentAgreement
    from npl.litigation.models import CaseStage, LitigationCase
    from npl.loans.models import Guarantor

    ids = [loan.pk for loan in loans]

    def of(field: str) -> dict:
        if span is None:
            return {f"{field}__in": ids}
        return {f"{field}__gte": span[0], f"{field}__lte": span[1]}
    events = defaultdict(list)
    newspaper_loans = set()

    acts = CollectionAction.objects.filter(**of("loan_id"))
    if not full:  # the report needs only what can interrupt, up to the as-of day
        acts = acts.filter(Q(signature__in=("borrower", "relative")) | Q(method="newspaper"), acted_on__lte=as_of)
    for loan_id, on, method, sig, pk in acts.values_list("loan_id", "acted_on", "method", "signature", "pk"):
        events[loan_id].append(Action(on, method, sig or "", f"#{pk}" if full else ""))
        if method == "newspaper" and sig not in ("borrower", "relative"):
            newspaper_loans.add(loan_id)

    pays = Repayment.objects.filter(**of("loan_id"))
    if not full:
        pays = pays.filter(paid_on__lte=as_of)
    for loan_id, on, principal, interest, costs, channel, confirmed, txn in pays.values_list(
        "loan_id", "paid_on", "principal", "interest", "costs", "channel", "confirmed", "txn_no"
    ):
        events[loan_id].append(Payment(on, principal + interest + costs, channel, confirmed, f"流水号{txn}" if full else ""))

    for loan_id, on, kind in RepaymentAgreement.objects.filter(**of("loan_id")).values_list("loan_id", "signed_on", "kind"):
        events[loan_id].append(Agreement(on, RepaymentAgreement.Kind(kind).label))

    cases = list(
        LitigationCase.objects.filter(**of("loan_id")).values(
            "pk", "loan_id", "direction", "case_no", "filed_on", "accepted_on", "counted_from", "judgment_on",
            "performance_due", "enforcement_case_no", "enforcement_filed_on", "stage",
        )
    )
    stages = defaultdict(list)
    if cases:
        for case_id, stage, on in CaseStage.objects.filter(**of("case__loan_id")).values_list("case_id", "stage", "on"):
            stages[case_id].append((stage, on))
    per_loan_cases = defaultdict(list)
    for c in cases:
        per_loan_cases[c["loan_id"]].append(c)
    for loan_id, rows in per_loan_cases.items():
        events[loan_id].extend(_suits(rows, stages))

    lost = _lost_contact(loans, newspaper_loans)
    guarantors = defaultdict(list)
    releases = {}
    if details:
        demands = defaultdict(list)
        for guarantor_id, on, evidence in GuarantorDemand.objects.filter(**of("guarantor__loan_id")).values_list(
            "guarantor_id", "demanded_on", "evidence_type"
        ):
            demands[guarantor_id].append(Demand(on, DemandEvidence(evidence).label))
        for pk, loan_id, name, months, released in Guarantor.objects.filter(**of("loan_id")).order_by("pk").values_list(
            "pk", "loan_id", "name", "guarantee_months", "released_on"
        ):
            guarantors[loan_id].append(GuarantorFact(mask_name(name), months, released, tuple(demands[pk])))
        releases = _release_dates(loans, as_of, span)

    return _Facts(events, lost, guarantors, releases)


@dataclass
class _Facts:
    """What a chunk's clocks are computed from: loan id → its dated events, lost-contact days, guarantors,
    release date (the last two only with details)."""

    events: dict
    lost: dict
    guarantors: dict
    releases: dict


def _clock(loan, facts: _Facts, as_of: dt.date, calendar, events=None):
    from npl.core.workdays import Calendars

    # A run over many districts: each loan's deadlines move past its own district's rest days.
    cal = calendar.of_township(loan.township_id) if isinstance(calendar, Calendars) else calendar
    return compute_limitation(
        loan.maturity_date,
        facts.events[loan.pk] if events is None else events,
        as_of,
        facts.lost.get(loan.pk, frozenset()),
        guarantors=facts.guarantors[loan.pk],
        release_date=facts.releases.get(loan.pk),
        calendar=cal,
    )


def rule_loan(pk, maturity_date, township_id, id_hash, **more) -> SimpleNamespace:
    """A loan as the clock rules read it, from plain values (its lost-contact days: the borrower's hash): a Loan and
    a Borrower instance per loan cost more than the rules. `more`: what a caller keeps beside (status, balance)."""
    return SimpleNamespace(pk=pk, maturity_date=maturity_date, township_id=township_id,
                           borrower=SimpleNamespace(id_hash=id_hash), **more)


def _chunk_clocks(loans: list, as_of: dt.date, *, full: bool, details: bool, calendar, span=None) -> Iterator[tuple]:
    """Clocks of up to CHUNK loans in a fixed handful of queries.

    span: (first, last) loan id when `loans` are every loan with an id in that range (a rebuild walking all
    loans by id): the queries then ask for a range instead of an IN list of a thousand ids, which cost more
    to build and send than to run.
    """
    facts = _chunk_facts(loans, as_of, full=full, details=details, span=span)
    for loan in loans:
        yield loan, _clock(loan, facts, as_of, calendar)


def status_counts_on_days(loans, days) -> dict[dt.date, dict[int, dict[str, int]]]:
    """day → {township id: {clock status: loans}} over the loans of the queryset with a balance > 0 that day, as
    counting compute_clocks(…, day) would, each loan's facts read once for all the days: the back-fill of a week
    of daily snapshots read every loan's ledger, repayments and cases once a day. Facts are read up to the last
    day and each day's ledger lines and repayments cut at that day (what compute_clocks without `full` reads;
    agreements and cases are read whatever their dates, as there). A loan with nothing dated after the first
    day and no suit has its clock computed once: its deadline is the same every day."""
    from npl.core.workdays import load_calendars
    from npl.loans.balances import BALANCE, with_balance
    from npl.loans.models import Loan

    days = sorted(set(days))
    out: dict[dt.date, dict[int, dict[str, int]]] = {day: defaultdict(lambda: defaultdict(int)) for day in days}
    if not days:
        return out
    calendar = load_calendars()
    ids = list(loans.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        # Each day's balance of the chunk's loans in one statement (a column a day), not one statement a day.
        balances = Loan.objects.filter(pk__ids=chunk)
        for n, day in enumerate(days):
            balances = with_balance(balances, day, name=f"{BALANCE}{n}")
        alive = {day: set() for day in days}
        for pk, *on_days in balances.order_by().values_list("pk", *(f"{BALANCE}{n}" for n in range(len(days)))):
            for day, balance in zip(days, on_days):
                if balance is not None and balance > 0:
                    alive[day].add(pk)
        wanted = set().union(*alive.values())
        rows = [rule_loan(*row) for row in Loan.objects.filter(pk__ids=sorted(wanted)).order_by("pk")
                .values_list("pk", "maturity_date", "township_id", "borrower__id_hash")] if wanted else []
        facts = _chunk_facts(rows, days[-1], full=False, details=False)
        for loan in rows:
            events = facts.events[loan.pk]
            if all(e.on <= days[0] and not isinstance(e, Suit) for e in events):
                # Nothing after the first day and no suit (whose end is seen as of a day): every day's deadline is the
                # first day's, and only where the day stands to it changes. Most loans of a week's back-fill.
                deadline = None
                for day in days:
                    if loan.pk in alive[day]:
                        deadline = deadline or _clock(loan, facts, days[0], calendar, events=events).deadline
                        out[day][loan.township_id][status_for(deadline, day)] += 1
                continue
            for day in days:
                if loan.pk in alive[day]:
                    cut = [e for e in events if not isinstance(e, (Action, Payment)) or e.on <= day]
                    out[day][loan.township_id][_clock(loan, facts, day, calendar, events=cut).status] += 1
    return out


def compute_clocks(loans, as_of: dt.date, *, full: bool = False, details: bool = False) -> Iterator[tuple]:
    """(loan, Clock) for every loan of the queryset, in loan_no order, CHUNK loans per round of queries.

    full: keep every ledger line and later event in the trail (a loan page); details: guarantors'
    periods and the release date (pages). The report needs neither. Deadlines move past rest days by
    the library's schedule and each loan's district's table (npl.core.workdays), read once here.
    """
    from npl.core.workdays import load_calendars

    calendar = load_calendars()
    ids = list(loans.order_by("loan_no").values_list("pk", flat=True))
    model = loans.model
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = model.objects.filter(pk__ids=chunk).select_related("borrower", "township").order_by("loan_no")
        yield from _chunk_clocks(list(rows), as_of, full=full, details=details, calendar=calendar)


def resolve_township(township):
    """A Township from an instance, a primary key or a name; Township.DoesNotExist with a Chinese message."""
    from npl.org.models import District, Township

    if township is None or isinstance(township, Township):
        return township
    qs = Township.objects.filter(district=District.current())
    found = qs.filter(pk=township).first() if isinstance(township, int) else qs.filter(name=str(township).strip()).first()
    if found is None:
        raise Township.DoesNotExist(f"未知乡镇：{township}")
    return found


def clocks_report(township=None, as_of=None, user=None) -> dict:
    """`npl report clocks`: one entry per loan in scope (every loan of the township or district), by loan_no.

    township: a name (or Township); as_of: a date or ISO text, default today; user: limit to what
    that person may see (None: the command line, which sees everything).
    """
    from django.utils import timezone

    from npl.loans.models import Loan
    from npl.org.models import District

    day = _as_date(as_of) or timezone.localdate()
    loans = Loan.objects.all() if user is None else Loan.objects.for_user(user)
    town = resolve_township(township)
    if town is not None:
        loans = loans.filter(township=town)
    if stored_for(day):  # today's stored rows (issue 16): the same entries without computing a clock
        from npl.collection.models import LoanClock

        stored = LoanClock.objects.filter(loan__in=loans).values("loan__loan_no", *STORED_REPORT_FIELDS)
        rows = [stored_report_row(r.pop("loan__loan_no"), r) for r in stored.iterator(chunk_size=CHUNK)]
    else:
        rows = [clock.report_row(loan.loan_no) for loan, clock in compute_clocks(loans, day)]
    rows.sort(key=lambda r: r["loan_no"])
    return {"scope": town.name if town is not None else District.current().name, "as_of": day.isoformat(), "loans": rows}


def loan_report_row(loan, as_of) -> dict:
    """One loan's `npl report clocks` entry on as_of: today's stored row when there is one, else computed."""
    from npl.collection.models import LoanClock

    day = _as_date(as_of)
    if day == derived.today():
        row = LoanClock.objects.filter(loan_id=loan.pk, day=day).values(*STORED_REPORT_FIELDS).first()
        if row is not None:
            return stored_report_row(loan.loan_no, row)
    (_, clock), *_ = compute_clocks(type(loan).objects.filter(pk=loan.pk), day)
    return clock.report_row(loan.loan_no)


def loan_clock_context(loan, as_of=None) -> dict:
    """Context for the loan page partial collection/_loan_clocks.html: {"legal_clock", "legal_clock_loan"}."""
    from django.utils import timezone

    from npl.core.workdays import load_calendar

    day = _as_date(as_of) or timezone.localdate()
    if day == derived.today():  # today's stored row, when there is one of today (issue 16)
        from npl.collection.models import LoanClock

        row = LoanClock.objects.filter(loan_id=loan.pk, day=day).only("data").first()
        if row is not None:
            return {"legal_clock": row.to_clock(), "legal_clock_loan": loan}
    # The page has fetched the loan (with its borrower and township): no second fetch of it by pk.
    calendar = load_calendar(loan.township.district_id)
    (_, clock), *_ = _chunk_clocks([loan], day, full=True, details=True, calendar=calendar)
    return {"legal_clock": clock, "legal_clock_loan": loan}
