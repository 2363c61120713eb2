"""Stored totals kept exact by database triggers (issue 16): counts and sums of a table's rows per key, written
in the transaction of each statement that writes the rows, so a page reads a few total rows instead of counting
every row of a portfolio. `loans.totals` (the ledger's `LoanTotal`) and `collection.clocks.totals` (the clock
alerts' `ClockTotal`) are two `Totals` specs of this one code:

- PostgreSQL: statement-level AFTER triggers with transition tables: one grouped upsert per statement, however
  many rows it wrote (an import of 100k loans adds one row per key, not 100k updates of it); keys in order, so
  two concurrent statements lock the total rows in the same order.
- SQLite: row-level triggers (one writer at a time). A deletion only subtracts from an existing row: Django's
  test flush empties the tables in any order, and a total emptied first must stay empty. SQLite drops a table's
  triggers when a migration rebuilds it (most ALTERs): a migration altering the source table re-runs
  `install_sqlite` for every spec over it (the specs' tests fail otherwise).

A spec's expressions name the source row's columns as `{row}.column`: `row` is the transition table's alias on
PostgreSQL, `new`/`old` in SQLite's triggers, the table's alias when the totals are filled or checked.
A key left without rows keeps a row of zeros (readers filter or sum them away).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Totals:
    """Per key of `table`: how many rows of `source` (column `count`) and the sums of some of their values."""

    table: str  # the totals table (a model that the application never writes)
    source: str  # the table whose rows are counted
    key: dict[str, str]  # total's key column → expression over a source row ({row}.column)
    count: str  # the total's column holding how many rows
    sums: dict[str, str] = field(default_factory=dict)  # total's column → expression summed
    where: str = ""  # only the rows meeting this condition are counted (empty: every row)

    @property
    def columns(self) -> list[str]:
        """The source columns the key, the sums and the condition read (SQLite's UPDATE OF list)."""
        found = re.findall(r"\{row\}\.(\w+)", " ".join([*self.key.values(), *self.sums.values(), self.where]))
        return list(dict.fromkeys(found))

    def _values(self, row: str, sign: str = "") -> list[str]:
        """The key's expressions, then `count` and the sums (negated for a removed row), over `row`."""
        return ([e.format(row=row) for e in self.key.values()] + [f"{sign}1"]
                + [f"{sign}({e.format(row=row)})" for e in self.sums.values()])

    def _cond(self, row: str) -> str:
        return f"({self.where.format(row=row)})" if self.where else "1 = 1"

    @property
    def _targets(self) -> str:
        return ", ".join([*self.key, self.count, *self.sums])

    def fill_sql(self) -> str:
        """Every total recounted from the source rows (run after the table of totals was emptied)."""
        keys = ", ".join(str(i) for i in range(1, len(self.key) + 1))
        exprs = [e.format(row="r") for e in self.key.values()] + ["COUNT(*)"] + [
            f"SUM({e.format(row='r')})" for e in self.sums.values()]
        return (f"INSERT INTO {self.table} ({self._targets}) SELECT {', '.join(exprs)} FROM {self.source} AS r "
                f"WHERE {self._cond('r')} GROUP BY {keys}")

    def recount_sql(self) -> str:
        """(key…, count, sums…) of every key holding a counted row, counted over the source rows (for a check)."""
        keys = ", ".join(str(i) for i in range(1, len(self.key) + 1))
        exprs = [e.format(row="r") for e in self.key.values()] + ["COUNT(*)"] + [
            f"SUM({e.format(row='r')})" for e in self.sums.values()]
        return f"SELECT {', '.join(exprs)} FROM {self.source} AS r WHERE {self._cond('r')} GROUP BY {keys}"

    def stored_sql(self) -> str:
        """(key…, count, sums…) of every stored total holding a counted row."""
        return f"SELECT {self._targets} FROM {self.table} WHERE {self.count} <> 0"

    # --- PostgreSQL -------------------------------------------------------------------------------------

    def _pg_function(self, event: str) -> str:
        def rows(table: str, sign: str) -> str:
            values = self._values("r", sign)
            named = ", ".join(f"{v} AS c{i}" for i, v in enumerate(values))
            return f"SELECT {named} FROM {table} AS r WHERE {self._cond('r')}"

        parts = {"INSERT": [rows("new_rows", "")], "DELETE": [rows("old_rows", "-")],
                 "UPDATE": [rows("new_rows", ""), rows("old_rows", "-")]}[event]
        n = len(self.key)
        keys = ", ".join(f"c{i}" for i in range(n))
        measures = [f"c{i}" for i in range(n, n + 1 + len(self.sums))]
        select = (f"SELECT {keys}, {', '.join(f'SUM({m})' for m in measures)} FROM ({' UNION ALL '.join(parts)}) d "
                  f"GROUP BY {keys} HAVING {' OR '.join(f'SUM({m}) <> 0' for m in measures)} ORDER BY {keys}")
        added = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in [self.count, *self.sums])
        return (f"INSERT INTO {self.table} AS t ({self._targets}) {select} "
                f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {added}")

    # --- SQLite -----------------------------------------------------------------------------------------

    def _sqlite_add(self, row: str) -> str:
        added = ", ".join(f"{c} = {c} + excluded.{c}" for c in [self.count, *self.sums])
        # INSERT … SELECT … WHERE: SQLite parses an upsert after a SELECT only when the SELECT has a WHERE.
        return (f"INSERT INTO {self.table} ({self._targets}) SELECT {', '.join(self._values(row))} "
                f"WHERE {self._cond(row)} ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {added};")

    def _sqlite_subtract(self, row: str) -> str:
        taken = ", ".join([f"{self.count} = {self.count} - 1"]
                          + [f"{c} = {c} - ({e.format(row=row)})" for c, e in self.sums.items()])
        match = " AND ".join(f"{c} = {e.format(row=row)}" for c, e in self.key.items())
        return f"UPDATE {self.table} SET {taken} WHERE {match} AND {self._cond(row)};"


EVENTS = ("INSERT", "DELETE", "UPDATE")
_SQLITE = (("ai", "INSERT"), ("ad", "DELETE"), ("au", "UPDATE"))


def install(connection, spec: Totals) -> None:
    """Create the backend's triggers and fill the totals from the rows already stored."""
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            install_sqlite(c, spec)
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {spec.table}")
        for event in EVENTS:
            name = f"{spec.table}_{event.lower()}"
            c.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                      f"{spec._pg_function(event)}; RETURN NULL; END $$")
            c.execute(f"DROP TRIGGER IF EXISTS {name} ON {spec.source}")
            tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                      "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
            c.execute(f"CREATE TRIGGER {name} AFTER {event} ON {spec.source} REFERENCING {tables} "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        c.execute(spec.fill_sql())


def install_sqlite(cursor, spec: Totals) -> None:
    """The row triggers (insert, delete, update of a column the spec reads) and the totals of the rows stored."""
    for suffix, event in _SQLITE:
        body = {"INSERT": spec._sqlite_add("new"), "DELETE": spec._sqlite_subtract("old"),
                "UPDATE": spec._sqlite_subtract("old") + spec._sqlite_add("new")}[event]
        when = f"AFTER UPDATE OF {', '.join(spec.columns)}" if event == "UPDATE" else f"AFTER {event}"
        cursor.execute(f"DROP TRIGGER IF EXISTS {spec.table}_{suffix}")
        cursor.execute(f"CREATE TRIGGER {spec.table}_{suffix} {when} ON {spec.source} BEGIN {body} END")
    cursor.execute(f"DELETE FROM {spec.table}")
    cursor.execute(spec.fill_sql())


def uninstall(connection, spec: Totals) -> None:
    """Drop the spec's triggers (the totals table goes with its model)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for event in EVENTS:
                name = f"{spec.table}_{event.lower()}"
                c.execute(f"DROP TRIGGER IF EXISTS {name} ON {spec.source}")
                c.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif connection.vendor == "sqlite":
            for suffix, _event in _SQLITE:
                c.execute(f"DROP TRIGGER IF EXISTS {spec.table}_{suffix}")


def differences(connection, spec: Totals) -> list[tuple[tuple, tuple | None, tuple | None]]:
    """(key, stored (count, sums…), recounted) of every key where the stored totals are not a count of the rows
    (None: no such total); empty when the triggers kept them exact."""
    def read(sql: str) -> dict[tuple, tuple]:
        n = len(spec.key)
        with connection.cursor() as c:
            c.execute(sql)
            return {tuple(_plain(v) for v in row[:n]): tuple(_plain(v) for v in row[n:]) for row in c.fetchall()}

    stored, recounted = read(spec.stored_sql()), read(spec.recount_sql())
    return [(key, stored.get(key), recounted.get(key)) for key in sorted(set(stored) | set(recounted), key=repr)
            if stored.get(key) != recounted.get(key)]


def _plain(value):
    """A value as both backends compare it: booleans as 0/1 (SQLite has no boolean), numbers as Decimal."""
    from decimal import Decimal

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value
