"""Stored clocks (issue 16): each loan's clocks as a `collection.LoanClock` row, kept by the `clocks` deriver.

`to_data`/`from_data` turn a Clock (with its trail and guarantors) into JSON and back, so pages read a stored
row exactly as compute_clocks(..., full=True, details=True) would have given it. The row's columns are the
figures pages filter, sort and count on. `ClockDeriver.refresh` recomputes the loans named and writes only
what differs; `differences` recomputes every loan and names each stored figure that is not what it should be, then each
stored total (`ClockTotal`, `clocks.totals`) that is not a count of the rows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

from npl.collection.clocks.rows import (  # noqa: F401  (store keeps offering the row helpers it always did)
    ALERTS,
    FIELDS,
    GUARANTEE_ALERTS,
    claim_alert,
    from_data,
    guarantee_alert,
    report_row,
    row_values,
    stored_for,
    to_data,
)
from npl.core import derived
from npl.core.bulk import GrowingTables, insert_dicts, update_objects
from npl.loans.balances import BALANCE

CHUNK = 1000


# --- computing ---------------------------------------------------------------------------------------


# What the clocks read of a loan and its borrower: plain values (a Loan and a Borrower per row cost more than the rules),
# and its state and balance that day, stored beside the clock so the home pages count the live loans' clocks without computing it.
LOAN_FIELDS = ("pk", "maturity_date", "township_id", "branch_id", "borrower__id_hash", "status", BALANCE)


def _computed(ids: list[int], day: dt.date, calendar, *, every: bool = False) -> Iterator[tuple[int, dict]]:
    """(loan id, LoanClock columns) for these loans (sorted ids), CHUNK at a time. every: `ids` are all the
    loans there are, so a chunk is every loan between its first and last id (queried as a range)."""
    from npl.collection.clocks.gather import _chunk_clocks, rule_loan
    from npl.loans.balances import with_balance
    from npl.loans.models import Loan

    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        span = (chunk[0], chunk[-1]) if every else None
        which = {"pk__range": span} if every else {"pk__in": chunk}
        loans = [
            rule_loan(pk, maturity, town, id_hash, branch_id=branch, status=status, balance=balance)
            for pk, maturity, town, branch, id_hash, status, balance in with_balance(Loan.objects.filter(**which), day)
            .order_by("pk").values_list(*LOAN_FIELDS)
        ]
        for loan, clock in _chunk_clocks(loans, day, full=True, details=True, calendar=calendar, span=span):
            yield loan.pk, row_values(loan, clock, day)


def _stored(ids: list[int], *, every: bool = False) -> dict[int, dict]:
    from npl.collection.models import LoanClock

    which = {"loan_id__gte": ids[0], "loan_id__lte": ids[-1]} if every else {"loan_id__in": ids}
    return {r["loan_id"]: r for r in LoanClock.objects.filter(**which).values("pk", "loan_id", *FIELDS)}


def _all_ids(loan_ids) -> list[int]:
    from npl.loans.models import Loan

    if loan_ids is None:
        return list(Loan.objects.order_by("pk").values_list("pk", flat=True))
    return sorted(Loan.objects.filter(pk__ids=loan_ids).values_list("pk", flat=True))


def _changed(stored: dict | None, fresh: dict) -> list[str]:
    if stored is None:
        return ["row"]
    return [f for f in FIELDS if stored[f] != fresh[f]]


class ClockDeriver(derived.Deriver):
    """The `clocks` deriver: one LoanClock row per loan, computed by collection.clocks.gather."""

    name = "clocks"
    label = "法律时效"
    order = 20
    # Lost-contact intervals and the imprisoned roster's release date come from rosters and manual decisions;
    # deadlines move past the rest days of each loan's district (its own calendar or the province default's).
    reads = frozenset({"calendar", "roster", "manual"})

    def refresh(self, loan_ids, day):
        from npl.collection.models import LoanClock
        from npl.core.workdays import load_calendars

        calendar = load_calendars()
        ids = _all_ids(loan_ids)
        changed = 0
        growing = GrowingTables()
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            stored = _stored(chunk, every=loan_ids is None)
            new, updated = [], []
            for loan_id, fresh in _computed(chunk, day, calendar, every=loan_ids is None):
                old = stored.get(loan_id)
                if old is None:
                    new.append({"loan_id": loan_id, **fresh})
                elif _changed(old, fresh):
                    updated.append(SimpleNamespace(pk=old["pk"], **fresh))
            # Plain executemany (core.bulk): bulk_update's CASE WHEN per row would dominate a new day's sweep,
            # where every row changes (its day, and the as-of day inside its JSON).
            insert_dicts(LoanClock, new)
            update_objects(LoanClock, updated, FIELDS)
            changed += len(new) + len(updated)
            growing.chunk_written(len(new))
        return changed

    def differences(self, day):
        from npl.core.workdays import load_calendars

        calendar = load_calendars()
        ids = _all_ids(None)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            stored = _stored(chunk, every=True)
            for loan_id, fresh in _computed(chunk, day, calendar, every=True):
                old = stored.get(loan_id)
                for f in _changed(old, fresh):
                    if f == "row":
                        yield derived.Difference(self.name, loan_id, "row", None, fresh["status"])
                    elif f == "data":
                        keys = [k for k in fresh["data"] if old["data"].get(k) != fresh["data"][k]] or ["data"]
                        for k in keys:
                            yield derived.Difference(self.name, loan_id, f"data.{k}", old["data"].get(k), fresh["data"].get(k))
                    else:
                        yield derived.Difference(self.name, loan_id, f, old[f], fresh[f])
        yield from total_differences(self.name)


def total_differences(name: str) -> Iterator[derived.Difference]:
    """Where the clocks' stored totals (`ClockTotal`, kept by triggers) are not a count of the stored rows: a total
    is compared with a recount, not a recomputation (a row that differs is named above)."""
    from django.db import connection

    from npl.collection.clocks import totals

    for key, stored, recounted in totals.differences(connection):
        yield derived.Difference(name, None, f"totals{key}", stored, recounted)
