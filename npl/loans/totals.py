"""The ledger's stored totals (`LoanTotal`): the database keeps them, the list reads them.

One row per (township, village, branch, status) holds how many loans and how much principal balance. Triggers on
`loans_loan` add each written statement's difference in that statement's transaction, so the totals are exact
whatever writes the loans (a service's save, an import's COPY or bulk UPDATE, a deletion). The triggers are
written by `core.totals` from `SPEC` (statement-level on PostgreSQL, row-level on SQLite). SQLite drops a table's
triggers when a migration rebuilds it: a migration altering `Loan` re-runs `install_sqlite` (`test_totals.py`
fails otherwise).

The ledger (`/loans/`) reads them when the person's scope is whole units (`accounts.scope.unit_scope`) and the
filters are units and status only; any other filter (a search, a balance range, a category…) counts its loans.
"""
from django.db.models import Sum
from django.db.models.functions import Coalesce

from npl.core import totals

KEY = ("township_id", "community_key", "branch_id", "status")
TABLE = "loans_loantotal"
SPEC = totals.Totals(
    table=TABLE, source="loans_loan",
    key={"township_id": "{row}.township_id", "community_key": "COALESCE({row}.community_id, 0)",
         "branch_id": "{row}.branch_id", "status": "{row}.status"},
    count="loans", sums={"balance": "{row}.principal_balance"},
)
# Filters of the ledger that the stored totals answer, and the column each names.
FILTERS = {"district": "township__district", "township": "township", "community": "community_key", "branch": "branch",
           "status": "status"}


def install(connection) -> None:
    """Create the backend's triggers and fill the totals from the loans already stored."""
    totals.install(connection, SPEC)


def install_sqlite(cursor) -> None:
    """The row triggers (insert, delete, update of a key column or the balance) and the rows for existing loans."""
    totals.install_sqlite(cursor, SPEC)


def uninstall(connection) -> None:
    totals.uninstall(connection, SPEC)


def for_user(user):
    """The stored totals of the units `user` sees whole (rows still holding a loan), or None when the person's
    scope is finer than a unit (a collector's, a liaison's loans): their loans are counted instead."""
    from npl.accounts.scope import unit_scope
    from npl.loans.models import LoanTotal

    scoped = unit_scope(LoanTotal.objects.all(), user)
    return None if scoped is None else scoped.filter(loans__gt=0)


def figures(user, filters: dict) -> dict | None:
    """{"n", "balance"} of the loans `user` sees under `filters` (the ledger's cleaned filter values, empty ones
    ignored) from the stored totals; None when they cannot say it (a finer scope, or another filter)."""
    used = {name: value for name, value in filters.items() if value not in (None, "")}
    totals = for_user(user) if set(used) <= set(FILTERS) else None
    if totals is None:
        return None
    for name, value in used.items():
        totals = totals.filter(**{FILTERS[name]: value.pk if name == "community" else value})
    found = totals.aggregate(n=Coalesce(Sum("loans"), 0), balance=Sum("balance"))
    found["n"] = int(found["n"])  # PostgreSQL sums a bigint as numeric
    return found
