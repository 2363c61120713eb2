"""Registry services shared by importers and pages: current balances kept equal to snapshots − repayments."""
from decimal import Decimal

from django.db.models import Sum

from npl.core import bulk, derived
from npl.core.money import CENT
from npl.loans.choices import EventKind, LoanStatus
from npl.loans.models import Loan, LoanEvent, LoanSnapshot


def refresh_current(loan_ids, *, batch=None, actor=None, note: str = "") -> None:
    """Recompute each loan's current principal balance from its latest snapshot and later repayments.

    A change writes a balance event; a balance reaching zero settles the loan, a lower one marks it
    partly repaid (later workflow states are not overridden).

    The loans' rows are locked (in id order) until the caller's transaction ends: the balance is read,
    then written, so two repayments posted at once on one loan must not both start from the same figure.
    """
    loan_ids = sorted(set(loan_ids))
    if not loan_ids:
        return
    with derived.deferred():
        _refresh_locked(loan_ids, batch=batch, actor=actor, note=note)
        # The repayments (or snapshots) just written count for the derived rows even when the balance stays
        # (a repayment on the snapshot day interrupts the limitation period, dates the last repayment).
        derived.refresh(loan_ids)


LOCK_CHUNK = 500  # ids per locking query: bounded IN lists on every database


def _refresh_locked(loan_ids: list, *, batch, actor, note: str) -> None:
    from npl.collection.models import Repayment

    # The columns compared and written only (a whole Loan per row was a third of a repayments import's write).
    loans = {}
    for start in range(0, len(loan_ids), LOCK_CHUNK):
        chunk = loan_ids[start:start + LOCK_CHUNK]
        loans.update((loan.pk, loan) for loan in Loan.objects.select_for_update().filter(pk__ids=chunk)
                     .only("principal_balance", "status", "version", "last_repaid_on").order_by("pk"))
    latest = {}  # loan id → (as_of, principal balance) of its latest snapshot
    for loan_id, as_of, balance in (LoanSnapshot.objects.filter(loan_id__ids=loan_ids)
                                    .order_by("loan_id", "-as_of").values_list("loan_id", "as_of", "principal_balance")):
        latest.setdefault(loan_id, (as_of, balance))
    repaid, last_repaid = {}, {}
    for loan_id, paid_on, principal in (Repayment.objects.filter(loan_id__ids=loan_ids, confirmed=True)
                                        .values_list("loan_id", "paid_on", "principal")):
        if loan_id not in last_repaid or paid_on > last_repaid[loan_id]:
            last_repaid[loan_id] = paid_on
        snap = latest.get(loan_id)
        if snap and paid_on > snap[0]:
            repaid[loan_id] = repaid.get(loan_id, Decimal("0")) + principal
    events, changed = [], []
    for loan_id, loan in loans.items():
        snap = latest.get(loan_id)
        if last_repaid.get(loan_id) != loan.last_repaid_on:
            loan.last_repaid_on = last_repaid.get(loan_id)
            changed.append(loan)  # a derived column: no event, no new version
        if snap is None:
            continue
        new_balance = max(snap[1] - repaid.get(loan_id, Decimal("0")), Decimal("0.00"))
        new_status = loan.status
        if new_balance == 0:
            new_status = LoanStatus.SETTLED
        elif repaid.get(loan_id) and loan.status in (LoanStatus.REGISTERED, LoanStatus.IN_COLLECTION, LoanStatus.SETTLED):
            new_status = LoanStatus.PARTLY_REPAID
        elif not repaid.get(loan_id) and loan.status == LoanStatus.SETTLED:
            new_status = LoanStatus.IN_COLLECTION
        written = len(events)
        if new_balance != loan.principal_balance:
            events.append({"loan_id": loan_id, "kind": EventKind.FIELD_CHANGED, "field": "principal_balance",
                           "before": str(loan.principal_balance), "after": str(new_balance)})
            loan.principal_balance = new_balance
        if new_status != loan.status:
            events.append({"loan_id": loan_id, "kind": EventKind.STATUS_CHANGED, "field": "status",
                           "before": loan.status, "after": new_status})
            loan.status = new_status
        if len(events) > written:
            loan.version += 1
            if not changed or changed[-1] is not loan:
                changed.append(loan)
    # One executemany by id (core.bulk): bulk_update's CASE WHEN per row was half of a 100,000-loan repayments import.
    bulk.update_objects(Loan, changed, ["principal_balance", "status", "version", "last_repaid_on"])
    # The history rows as dicts (no LoanEvent instances); refresh_current refreshes these loans' derived rows.
    who = {"batch_id": batch.pk if batch is not None else None, "actor_id": actor.pk if actor is not None else None,
           "note": note}
    bulk.insert_dicts(LoanEvent, [{**e, **who} for e in events])


def principal_repaid_after(loan_ids, day) -> dict:
    """Confirmed principal repaid after `day`, per loan."""
    from npl.collection.models import Repayment

    rows = (
        Repayment.objects.filter(loan_id__ids=list(loan_ids), confirmed=True, paid_on__gt=day)
        .values("loan_id")
        .annotate(total=Sum("principal"))
    )
    # SQLite hands a SUM back through a float (15 significant digits: 1000.07000000000); amounts are 2-place 元.
    return {r["loan_id"]: r["total"].quantize(CENT) for r in rows}
