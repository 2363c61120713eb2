"""Each campaign's task loans, their baseline balances and what they repaid since, as stored rows (`TaskLoan`,
issue 16, npl.core.derived).

A campaign's task is the loans of its scope with a balance > 0 on its baseline day, at that balance. The
balance on a past day is the latest snapshot on or before it less the confirmed repayments after that snapshot
up to the day (`loans.balances`): it changes only when a loan's own data does — a snapshot or a confirmed
repayment dated on or before the baseline imported or entered later, a loan moving township. Each row also
holds the loan's units (township, community, responsible person) and the sums of its confirmed repayments after
the baseline (principal, interest, principal per channel, the first day with principal). Every change of these
refreshes the loan (`refresh_current`, a `LoanEvent`), which runs this deriver for it in the same transaction.
The passing of time changes nothing here; what depends on the as-of day (approved reductions, 不计入考核
waivers, repayments dated after it) the figures apply when they read the rows (`campaigns.figures`).

Computed once per baseline day for the campaigns sharing it: the loans' balances on that day and their
repayments after it (named loans: a chunk at a time), then each campaign's scope in Python. A campaign's rows
are read only while `Campaign.task_stored_for` says they were computed in full for its baseline and scope
(`create_campaign`, or a refresh of every loan); a named-loans refresh keeps only such campaigns' rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Min, Q, Sum

from npl.campaigns.figures import COLLECTED_AFTER_BASELINE_EXCLUSIVE
from npl.campaigns.models import Campaign, TaskLoan, TaskUnit
from npl.collection.choices import Channel
from npl.collection.models import Repayment
from npl.core import bulk, derived
from npl.core.money import CENT
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan

CHUNK = 2000  # loans per balance query when refreshing named loans

# The stored figures of a task loan, in this order (`township_id`…: the loan's units now).
CHANNELS = {c.value: f"collected_{c.value}" for c in Channel}
FIELDS = ("balance", "township_id", "community_id", "responsible_person_id", "first_collected_on",
          "collected_principal", "collected_interest", *CHANNELS.values())
ZERO = Decimal("0.00")


def _cents(balance) -> Decimal:
    return Decimal(balance).quantize(CENT, rounding=ROUND_HALF_UP)


def _in_scope(campaign: Campaign, township_id, district_id) -> bool:
    return (not campaign.district_id or district_id == campaign.district_id) and (
        not campaign.township_id or township_id == campaign.township_id)


def _sums_after(day: dt.date, loan_ids: list[int] | None, after: Q) -> dict[int, tuple]:
    """loan → (first day with principal, principal, interest, principal per channel…) of its confirmed repayments
    `after` (a condition on paid_on), for these loans (None: all)."""
    reps = Repayment.objects.filter(after, confirmed=True)
    if loan_ids is not None:
        reps = reps.filter(loan_id__ids=loan_ids)
    sums = {name: Sum("principal", filter=Q(channel=c)) for c, name in CHANNELS.items()}
    rows = reps.order_by().values("loan_id").annotate(
        first=Min("paid_on", filter=Q(principal__gt=0)), p=Sum("principal"), i=Sum("interest"), **sums)
    return {r["loan_id"]: (r["first"], *(_cents(r[k] or 0) for k in ("p", "i", *CHANNELS.values()))) for r in rows.iterator()}


def _balances(loans, day: dt.date, repaid_after: dict[int, tuple]) -> Iterator[tuple]:
    """(pk, district, balance on `day`, township, community, person) of these loans with a balance > 0 on `day`.

    `loans.balances.balance_expression`, its two cases taken apart: a loan whose current balance stands on a
    snapshot on or before the day is its current balance plus the principal repaid after the day (`repaid_after`,
    read once for all loans: fewer queries than the expression's subquery per repaid loan); the others (settled, re-snapshotted since) take the long way."""
    units = ("township_id", "community_id", "responsible_person_id")
    common = Q(snapshot_date__lte=day, principal_balance__gt=0)
    for pk, district, current, *unit in loans.filter(common).order_by().values_list(
            "pk", "township__district_id", "principal_balance", *units).iterator(chunk_size=5000):
        balance = current + (repaid_after[pk][1] if pk in repaid_after else 0)
        if balance > 0:
            yield pk, district, balance, *unit
    long_way = with_balance(loans.exclude(common), day).filter(**{f"{BALANCE}__gt": 0})
    yield from long_way.order_by().values_list("pk", "township__district_id", BALANCE, *units).iterator(chunk_size=5000)


def compute(campaigns: list[Campaign], loan_ids: Iterable[int] | None) -> dict[tuple[int, int], tuple]:
    """(campaign, loan) → the row's FIELDS for every task loan of these campaigns, among these loans (None: all)."""
    ids = None if loan_ids is None else sorted(set(loan_ids))
    by_day: dict[dt.date, list[Campaign]] = defaultdict(list)
    for c in campaigns:
        by_day[c.baseline].append(c)
    out: dict[tuple[int, int], tuple] = {}
    nothing = (None, ZERO, ZERO, *(ZERO for _ in CHANNELS))
    for day, group in by_day.items():
        loans = Loan.objects.all()
        districts = {c.district_id for c in group}
        if None not in districts:  # only the districts these campaigns cover
            loans = loans.filter(township__district_id__in=districts)
        chunks = [None] if ids is None else [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        for chunk in chunks:
            after_day = _sums_after(day, chunk, Q(paid_on__gt=day))  # what the balance adds back
            collected = after_day if COLLECTED_AFTER_BASELINE_EXCLUSIVE else _sums_after(day, chunk, Q(paid_on__gte=day))
            for pk, district, balance, *units in _balances(loans if chunk is None else loans.filter(pk__ids=chunk), day, after_day):
                row = (_cents(balance), *units, *collected.get(pk, nothing))
                for c in group:
                    if _in_scope(c, units[0], district):
                        out[(c.pk, pk)] = row
    return out


def _stored(campaign_ids: list[int], loan_ids: Iterable[int] | None) -> dict[tuple[int, int], tuple[int, tuple]]:
    """(campaign, loan) → (row id, FIELDS) as stored for these campaigns and loans (None: all)."""
    rows = TaskLoan.objects.filter(campaign_id__ids=campaign_ids).order_by()
    fields = ("pk", "campaign_id", "loan_id", *FIELDS)
    if loan_ids is None:
        found = rows.values_list(*fields).iterator(chunk_size=5000)
    else:
        ids = sorted(set(loan_ids))
        found = (r for i in range(0, len(ids), CHUNK) for r in rows.filter(loan_id__ids=ids[i : i + CHUNK]).values_list(*fields))
    return {(c, loan): (pk, _same_types(values)) for pk, c, loan, *values in found}


def _same_types(values) -> tuple:
    """Stored values as compute() makes them (SQLite hands decimals back through floats)."""
    return tuple(_cents(v) if isinstance(v, (Decimal, float)) else v for v in values)


# A unit's sums (TaskUnit), in this order; a TaskLoan row adds (1, balance, 1 if it collected principal, its sums).
UNIT_SUMS = ("task_count", "task_amount", "collected_count", "collected_principal", "collected_interest", *CHANNELS.values())
Unit = tuple[int, int, int, int]  # (campaign, township, community or 0, person or 0)


def _unit_of(campaign_id: int, row: tuple) -> Unit:
    return (campaign_id, row[1], row[2] or 0, row[3] or 0)


def _adds(row: tuple) -> tuple:
    return (1, row[0], 1 if row[4] is not None else 0, *row[5:])


def units_of(rows: dict[tuple[int, int], tuple]) -> dict[Unit, list]:
    """(campaign, loan) → FIELDS rows added up per unit."""
    out: dict[Unit, list] = {}
    for (c, _), row in rows.items():
        acc = out.setdefault(_unit_of(c, row), [0] * len(UNIT_SUMS))
        for k, v in enumerate(_adds(row)):
            acc[k] += v
    return out


def _add_to_units(deltas: dict[Unit, list]) -> None:
    """Add each unit's difference to its stored row (an upsert: two transactions adding to one unit both count)."""
    rows = [(*unit, *values) for unit, values in deltas.items() if any(values)]
    if not rows:
        return
    table = connection.ops.quote_name(TaskUnit._meta.db_table)
    cols = ["campaign_id", "township_id", "community_key", "person_key", *UNIT_SUMS]
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in UNIT_SUMS)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
           f"ON CONFLICT (campaign_id, township_id, community_key, person_key) DO UPDATE SET {sets}")
    with connection.cursor() as cur:
        cur.executemany(sql, rows)


def _stored_units(campaign_ids: list[int]) -> dict[Unit, tuple]:
    rows = TaskUnit.objects.filter(campaign_id__ids=campaign_ids).order_by().values_list(
        "campaign_id", "township_id", "community_key", "person_key", *UNIT_SUMS)
    return {tuple(r[:4]): _same_types(r[4:]) for r in rows.iterator(chunk_size=5000)}


def store(campaigns: list[Campaign], loan_ids: set[int] | None) -> int:
    """Bring these campaigns' rows of these loans (None: all, and mark the campaigns computed) up to date, and
    their units' sums with them; return how many TaskLoan rows changed. Only differences are written."""
    if not campaigns:
        return 0
    computed = compute(campaigns, loan_ids)
    stored = _stored([c.pk for c in campaigns], loan_ids)
    gone = [pk for key, (pk, _) in stored.items() if key not in computed]
    new = [{"campaign_id": c, "loan_id": loan, **dict(zip(FIELDS, row))} for (c, loan), row in computed.items() if (c, loan) not in stored]
    changed = [TaskLoan(pk=stored[key][0], **dict(zip(FIELDS, row))) for key, row in computed.items()
               if key in stored and stored[key][1] != row]
    for i in range(0, len(gone), bulk.IN_CHUNK):
        TaskLoan.objects.filter(pk__ids=gone[i : i + bulk.IN_CHUNK]).delete()
    bulk.insert_dicts(TaskLoan, new)
    bulk.update_objects(TaskLoan, changed, list(FIELDS))
    if loan_ids is None:  # every row: the units from scratch
        TaskUnit.objects.filter(campaign_id__ids=[c.pk for c in campaigns]).delete()
        bulk.insert_dicts(TaskUnit, [
            {"campaign_id": u[0], "township_id": u[1], "community_key": u[2], "person_key": u[3], **dict(zip(UNIT_SUMS, v))}
            for u, v in units_of(computed).items()])
        for c in campaigns:
            if not c.task_stored:
                c.task_stored_for = c.task_key()
                Campaign.objects.filter(pk=c.pk).update(task_stored_for=c.task_stored_for)
    else:  # the named loans' differences, added to their units (old and new)
        before = {key: row for key, (_, row) in stored.items() if computed.get(key) != row}
        after = {key: row for key, row in computed.items() if stored.get(key, (None, None))[1] != row}
        deltas = units_of(after)
        for unit, values in units_of(before).items():
            acc = deltas.setdefault(unit, [0] * len(UNIT_SUMS))
            for k, v in enumerate(values):
                acc[k] -= v
        _add_to_units(deltas)
    return len(gone) + len(new) + len(changed)


class TaskLoans(derived.Deriver):
    """The campaigns' task loans at their baseline balances: only a loan's own data changes them."""

    name = "campaign_tasks"
    label = "清收行动任务基数"
    order = 40
    reads = frozenset({"assignment"})  # the responsible person; rosters, thresholds, calendars, rules move nothing here

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        campaigns = list(Campaign.objects.order_by("pk"))
        if loan_ids is not None:  # rows are read only for campaigns computed in full; the others wait for that
            campaigns = [c for c in campaigns if c.task_stored]
        return store(campaigns, loan_ids)

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        campaigns = [c for c in Campaign.objects.order_by("pk") if c.task_stored]
        computed = compute(campaigns, None)
        stored = {key: row for key, (_, row) in _stored([c.pk for c in campaigns], None).items()}
        for key in sorted(stored.keys() | computed.keys()):
            campaign, loan = key
            have, want = stored.get(key), computed.get(key)
            if have is None or want is None:
                yield derived.Difference(self.name, loan, f"清收行动#{campaign} 任务", have and have[0], want and want[0])
                continue
            for name, a, b in zip(FIELDS, have, want):
                if a != b:
                    yield derived.Difference(self.name, loan, f"清收行动#{campaign} {name}", a, b)
        # The units' sums against the computed rows added up (a unit of nothing may stay as zeros).
        have_units, want_units = _stored_units([c.pk for c in campaigns]), units_of(computed)
        for unit in sorted(have_units.keys() | want_units.keys()):
            have = have_units.get(unit) or (0,) * len(UNIT_SUMS)
            want = tuple(want_units.get(unit) or (0,) * len(UNIT_SUMS))
            for name, a, b in zip(UNIT_SUMS, have, want):
                if a != b:
                    yield derived.Difference(self.name, None, f"清收行动#{unit[0]} 单位{unit[1:]} {name}", a, b)
