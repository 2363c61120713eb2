"""The ledger's stored totals (`LoanTotal`): the database keeps them, the list reads them.

One row per (township, village, branch, status) holds how many loans and how much principal balance. Triggers on
`loans_loan` add each written statement's difference in that statement's transaction, so the totals are exact
whatever writes the loans (a service's save, an import's COPY or bulk UPDATE, a deletion):

- PostgreSQL: statement-level AFTER triggers with transition tables: one grouped upsert per statement, however
  many rows it wrote (an import of 100k loans adds one row per key, not 100k updates of it).
- SQLite: row-level triggers (one writer at a time). A deletion only subtracts from an existing row: Django's
  test flush empties the tables in any order, and a total emptied first must stay empty. SQLite drops a table's
  triggers when a migration rebuilds it: a migration altering `Loan` re-runs `install_sqlite`
  (`test_totals.py` fails otherwise).

The ledger (`/loans/`) reads them when the person's scope is whole units (`accounts.scope.unit_scope`) and the
filters are units and status only; any other filter (a search, a balance range, a category…) counts its loans.
"""
from django.db.models import Sum
from django.db.models.functions import Coalesce

KEY = ("township_id", "community_key", "branch_id", "status")
TABLE = "loans_loantotal"
# Filters of the ledger that the stored totals answer, and the column each names.
FILTERS = {"district": "township__district", "township": "township", "community": "community_key", "branch": "branch",
           "status": "status"}

_PG_EVENTS = {
    # event: (transition tables, the rows of the difference)
    "INSERT": ("NEW TABLE AS new_rows", "SELECT {key}, 1 AS n, principal_balance AS b FROM new_rows"),
    "DELETE": ("OLD TABLE AS old_rows", "SELECT {key}, -1 AS n, -principal_balance AS b FROM old_rows"),
    "UPDATE": ("OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "SELECT {key}, 1 AS n, principal_balance AS b FROM new_rows "
               "UNION ALL SELECT {key}, -1, -principal_balance FROM old_rows"),
}
_LOAN_KEY = "township_id, COALESCE(community_id, 0) AS community_key, branch_id, status"
_UPSERT = (f"INSERT INTO {TABLE} AS t ({', '.join(KEY)}, loans, balance) {{select}} "
           f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET loans = t.loans + EXCLUDED.loans, "
           f"balance = t.balance + EXCLUDED.balance")


def install(connection) -> None:
    """Create the backend's triggers and fill the totals from the loans already stored."""
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {TABLE}")
        if connection.vendor == "postgresql":
            for event, (tables, rows) in _PG_EVENTS.items():
                name = f"loans_loantotal_{event.lower()}"
                select = (f"SELECT {', '.join(KEY)}, SUM(n), SUM(b) FROM ({rows.format(key=_LOAN_KEY)}) d "
                          f"GROUP BY {', '.join(KEY)} HAVING SUM(n) <> 0 OR SUM(b) <> 0 ORDER BY {', '.join(KEY)}")
                c.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                          f"{_UPSERT.format(select=select)}; RETURN NULL; END $$")
                c.execute(f"DROP TRIGGER IF EXISTS {name} ON loans_loan")
                c.execute(f"CREATE TRIGGER {name} AFTER {event} ON loans_loan REFERENCING {tables} "
                          f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        elif connection.vendor == "sqlite":
            install_sqlite(c)
            return
        c.execute(f"INSERT INTO {TABLE} ({', '.join(KEY)}, loans, balance) "
                  f"SELECT township_id, COALESCE(community_id, 0), branch_id, status, COUNT(*), SUM(principal_balance) "
                  f"FROM loans_loan GROUP BY 1, 2, 3, 4")


def _sqlite_add(row: str) -> str:
    return (f"INSERT INTO {TABLE} ({', '.join(KEY)}, loans, balance) VALUES ({row}.township_id, "
            f"COALESCE({row}.community_id, 0), {row}.branch_id, {row}.status, 1, {row}.principal_balance) "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET loans = loans + 1, balance = balance + excluded.balance;")


def _sqlite_subtract(row: str) -> str:
    return (f"UPDATE {TABLE} SET loans = loans - 1, balance = balance - {row}.principal_balance "
            f"WHERE township_id = {row}.township_id AND community_key = COALESCE({row}.community_id, 0) "
            f"AND branch_id = {row}.branch_id AND status = {row}.status;")


def install_sqlite(cursor) -> None:
    """The row triggers (insert, delete, update of a key column or the balance) and the rows for existing loans."""
    columns = "township_id, community_id, branch_id, status, principal_balance"
    for name, event, body in (
        ("ai", "AFTER INSERT", _sqlite_add("new")),
        ("ad", "AFTER DELETE", _sqlite_subtract("old")),
        ("au", f"AFTER UPDATE OF {columns}", _sqlite_subtract("old") + _sqlite_add("new")),
    ):
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        cursor.execute(f"CREATE TRIGGER {TABLE}_{name} {event} ON loans_loan BEGIN {body} END")
    cursor.execute(f"DELETE FROM {TABLE}")
    cursor.execute(f"INSERT INTO {TABLE} ({', '.join(KEY)}, loans, balance) "
                   f"SELECT township_id, COALESCE(community_id, 0), branch_id, status, COUNT(*), SUM(principal_balance) "
                   f"FROM loans_loan GROUP BY 1, 2, 3, 4")


def uninstall(connection) -> None:
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for event in _PG_EVENTS:
                name = f"loans_loantotal_{event.lower()}"
                c.execute(f"DROP TRIGGER IF EXISTS {name} ON loans_loan")
                c.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif connection.vendor == "sqlite":
            for name in ("ai", "ad", "au"):
                c.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")


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
