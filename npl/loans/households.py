"""Stored households (户数 = distinct borrowers) per unit: the database keeps them, the homes read them.

Counting distinct borrowers over every loan of a district costs seconds at a million loans, and a distinct count
cannot be summed from parts (a borrower with loans in two townships is one household of the district). So each
unit a page counts households of keeps a link row per borrower, `HouseholdLink(level, unit, sub, borrower,
loans)` = how many of the borrower's loans lie in the unit, and a counter, `HouseholdCount(level, unit, sub,
households)` = its links with loans > 0. Levels (`HouseholdLevel`): everything, each 省/市 above the loan's
district, the district, the township, the village (sub: the township; 0 = none), the branch within the
district (sub: the district), the branch within the township. Pages read one counter row per unit.

Triggers on `loans_loan` keep both in the writing statement's transaction, as `loans.totals` keeps LoanTotal:
- PostgreSQL: statement-level AFTER triggers with transition tables. One statement per trigger: the link
  deltas grouped, upserted in key order (concurrent writers lock rows in one order: no deadlock between two
  statements), their old values recovered from RETURNING, and each link that crossed 0 moves its unit's counter.
  An update reads only the rows whose township, village, branch or borrower changed (a balance update moves
  nothing here). Links left at 0 stay (they are the next upsert's row); readers use only the counters.
- SQLite: row-level triggers. A deletion only subtracts from existing rows (Django's test flush empties the tables
  in any order). SQLite drops a table's triggers when a migration rebuilds it: a migration altering `Loan` re-runs
  `install_sqlite` here and in `loans.totals` and `categories.totals` (`test_households.py` fails otherwise).

The unit a loan belongs to is read from `org` (township → district → region → its parent) when the loan is
written; a row trigger on each of those links (a township moved to another district, a district to another
region, a city put under a province) refills every row in that statement's transaction: rare, and seconds at a
million loans. `npl derive` (the daily sweep) also refills them if they ever differ from a recompute.
`categories.totals` keeps the category report's households the same way, with these helpers.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connection

from npl.core import derived
from npl.loans.models import HouseholdLevel as L

LINK, COUNT = "loans_householdlink", "loans_householdcount"
KEY = ("level", "unit", "sub")
# (level, unit, sub) of a row `r` holding township_id (and, for loans, community_id and branch_id), with
# ut = its township, ud = the township's district, ug = the district's region. A NULL unit (no region) is no unit.
PLACES = [(L.ALL, "0", "0"), (L.REGION, "ud.region_id", "0"), (L.REGION, "ug.parent_id", "0"),
          (L.DISTRICT, "ut.district_id", "0"), (L.TOWNSHIP, "{r}.township_id", "0")]
LOAN_UNITS = PLACES + [(L.COMMUNITY, "COALESCE({r}.community_id, 0)", "{r}.township_id"),
                       (L.BRANCH, "{r}.branch_id", "ut.district_id"),
                       (L.BRANCH_TOWNSHIP, "{r}.branch_id", "{r}.township_id")]


def units_sql(levels, *, r: str, source: str | None, carry: str, where: str = "", sub: bool = True) -> str:
    """Rows (level, unit[, sub], carry…) of every unit each row of `source` (aliased `r`; None: a trigger's
    new/old row named `r`) lies in: one row per unit, by a CASE over a small index join (SQLite has no LATERAL)."""
    def case(i):
        return "CASE k.i " + " ".join(f"WHEN {n} THEN {levels[n][i].format(r=r) if i else int(levels[n][0])}"
                                      for n in range(len(levels))) + " END"

    picks = " UNION ALL ".join(f"SELECT {n} AS i" for n in range(len(levels)))
    cols = f"{case(0)} AS level, {case(1)} AS unit" + (f", {case(2)} AS sub" if sub else "")
    town = f"JOIN org_township ut ON ut.id = {r}.township_id" if source else "org_township ut"
    conditions = [c for c in (None if source else f"ut.id = {r}.township_id", where) if c]
    return (f"SELECT * FROM (SELECT {cols}, {carry} FROM {source or ''} {town} "
            f"JOIN org_district ud ON ud.id = ut.district_id LEFT JOIN org_region ug ON ug.id = ud.region_id "
            f"CROSS JOIN ({picks}) k {'WHERE ' + ' AND '.join(conditions) if conditions else ''}) u "
            f"WHERE u.unit IS NOT NULL")


def pg_apply(deltas: str, *, link: str, count: str, key: tuple, link_n: str, sums: tuple = ()) -> str:
    """One statement applying `deltas` (rows of key…, borrower_id, n — the link's change — and `sums`, the
    counter's other columns' changes; borrower_id NULL: no link) to a link table and its counter table."""
    k, ks = ", ".join(key), ", ".join(f"up.{c}" for c in key)
    on = " AND ".join(f"l.{c} = up.{c}" for c in (*key, "borrower_id"))
    crossed = ("SUM(CASE WHEN up.n > 0 AND up.n - l.n <= 0 THEN 1 "
               "WHEN up.n <= 0 AND up.n - l.n > 0 THEN -1 ELSE 0 END)")
    sums_sel = "".join(f", SUM({s}) AS {s}" for s in sums)
    sums_out = "".join(f", COALESCE(c.{s}, 0) AS {s}" for s in sums)
    sums_set = "".join(f", {s} = t.{s} + EXCLUDED.{s}" for s in sums)
    nonzero = " OR ".join(["households <> 0", *(f"{s} <> 0" for s in sums)])
    counted = (f"c AS (SELECT {k}{sums_sel} FROM d GROUP BY {k}), " if sums else "")
    joined = (f"FROM h FULL JOIN c USING ({k})" if sums else "FROM h")
    return (
        f"WITH d AS ({deltas}), "
        f"l AS (SELECT {k}, borrower_id, SUM(n) AS n FROM d WHERE borrower_id IS NOT NULL "
        f"GROUP BY {k}, borrower_id HAVING SUM(n) <> 0), "
        f"up AS (INSERT INTO {link} AS t ({k}, borrower_id, {link_n}) SELECT {k}, borrower_id, n FROM l "
        f"ORDER BY {k}, borrower_id ON CONFLICT ({k}, borrower_id) DO UPDATE SET {link_n} = t.{link_n} + EXCLUDED.{link_n} "
        f"RETURNING {', '.join(f't.{c}' for c in key)}, t.borrower_id, t.{link_n} AS n), "
        f"h AS (SELECT {ks}, {crossed} AS households FROM up JOIN l ON {on} GROUP BY {ks}), "
        f"{counted}"
        f"cs AS (SELECT {k}, COALESCE(h.households, 0) AS households{sums_out} {joined}) "
        f"INSERT INTO {count} AS t ({k}, households{''.join(', ' + s for s in sums)}) "
        f"SELECT * FROM cs WHERE {nonzero} ORDER BY {k} "
        f"ON CONFLICT ({k}) DO UPDATE SET households = t.households + EXCLUDED.households{sums_set}"
    )


def pg_trigger(c, *, name: str, table: str, event: str, body: str) -> None:
    """A statement-level AFTER trigger on `table` running `body` with the event's transition tables."""
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
    c.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              f"{body}; RETURN NULL; END $$")
    c.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    c.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
              f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


def pg_drop(c, *, name: str, table: str) -> None:
    c.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    c.execute(f"DROP FUNCTION IF EXISTS {name}()")


# The org links a unit is read through: (table, column). A change of one refills the stored rows.
ORG_LINKS = [("org_township", "district_id"), ("org_district", "region_id"), ("org_region", "parent_id")]


def install_org_refill(c, vendor: str, prefix: str, statements: list[str]) -> None:
    """Row triggers running `statements` (empty the rows, fill them again) when a township, district or region
    changes the unit above it: only then, not on every save of a unit (a save writes every column)."""
    if vendor == "postgresql":
        c.execute(f"CREATE OR REPLACE FUNCTION {prefix}_org() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  f"{'; '.join(statements)}; RETURN NULL; END $$")
    for table, column in ORG_LINKS:
        name = f"{prefix}_{table}"
        if vendor == "postgresql":
            c.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            c.execute(f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} FOR EACH ROW "
                      f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {prefix}_org()")
        else:
            c.execute(f"DROP TRIGGER IF EXISTS {name}")
            c.execute(f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} "
                      f"WHEN old.{column} IS NOT new.{column} BEGIN {'; '.join(statements)}; END")


def drop_org_refill(c, vendor: str, prefix: str) -> None:
    for table, _ in ORG_LINKS:
        c.execute(f"DROP TRIGGER IF EXISTS {prefix}_{table}" + (f" ON {table}" if vendor == "postgresql" else ""))
    if vendor == "postgresql":
        c.execute(f"DROP FUNCTION IF EXISTS {prefix}_org()")


def sqlite_add(units: str, *, borrower: str, link: str, count: str, key: tuple, link_n: str,
               sums: dict | None = None, others: tuple = ()) -> str:
    """A row trigger's statements adding one row: its links +1, and each unit whose link became 1 gains a
    household; `sums` (counter column → this row's value) are added to every unit's counter. `others`: the
    counter's other columns, 0 in a new row (SQLite checks NOT NULL before it sees the conflict)."""
    k = ", ".join(key)
    sums = sums or {}
    counter = (f"INSERT INTO {count} ({k}, households{''.join(', ' + s for s in sums)}) "
               f"SELECT {k}, 0{''.join(', ' + v for v in sums.values())} FROM ({units}) WHERE true "
               f"ON CONFLICT ({k}) DO UPDATE SET households = households"
               f"{''.join(f', {s} = {s} + excluded.{s}' for s in sums)};") if sums else ""
    return (
        counter
        + f"INSERT INTO {link} ({k}, borrower_id, {link_n}) SELECT {k}, {borrower}, 1 FROM ({units}) "
        f"WHERE {borrower} IS NOT NULL ON CONFLICT ({k}, borrower_id) DO UPDATE SET {link_n} = {link_n} + 1;"
        f"INSERT INTO {count} ({k}, households{''.join(', ' + s for s in others)}) "
        f"SELECT {k}, 1{', 0' * len(others)} FROM {link} WHERE borrower_id = {borrower} "
        f"AND {link_n} = 1 AND ({k}) IN (SELECT {k} FROM ({units})) "
        f"ON CONFLICT ({k}) DO UPDATE SET households = households + 1;"
    )


def sqlite_subtract(units: str, *, borrower: str, link: str, count: str, key: tuple, link_n: str,
                    sums: dict | None = None, others: tuple = ()) -> str:
    """The statements taking one row away: existing links −1, a unit whose link reached 0 loses a household."""
    k = ", ".join(key)
    counter = (f"UPDATE {count} SET {', '.join(f'{s} = {s} - {v}' for s, v in sums.items())} "
               f"WHERE ({k}) IN (SELECT {k} FROM ({units}));") if sums else ""
    return (
        counter
        + f"UPDATE {link} SET {link_n} = {link_n} - 1 WHERE borrower_id = {borrower} "
        f"AND ({k}) IN (SELECT {k} FROM ({units}));"
        f"UPDATE {count} SET households = households - 1 WHERE ({k}) IN (SELECT {k} FROM {link} "
        f"WHERE borrower_id = {borrower} AND {link_n} = 0 AND ({k}) IN (SELECT {k} FROM ({units})));"
    )


# --- the loans' households -----------------------------------------------------------------------------------
_COLS = "township_id, community_id, branch_id, borrower_id"
_CHANGED = ("FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE (o.township_id, o.community_id, o.branch_id, "
            "o.borrower_id) IS DISTINCT FROM (n.township_id, n.community_id, n.branch_id, n.borrower_id)")
_PG_DELTAS = {
    "INSERT": f"SELECT {_COLS}, 1 AS n FROM new_rows",
    "DELETE": f"SELECT {_COLS}, -1 AS n FROM old_rows",
    "UPDATE": (f"SELECT n.township_id, n.community_id, n.branch_id, n.borrower_id, 1 AS n {_CHANGED} UNION ALL "
               f"SELECT o.township_id, o.community_id, o.branch_id, o.borrower_id, -1 {_CHANGED}"),
}


def _loan_units(source: str | None, r: str, carry: str) -> str:
    return units_sql(LOAN_UNITS, r=r, source=source, carry=carry)


def _pg_body(event: str) -> str:
    deltas = _loan_units(f"({_PG_DELTAS[event]}) r", "r", "r.borrower_id, r.n")
    return pg_apply(deltas, link=LINK, count=COUNT, key=KEY, link_n="loans")


def _fill_sql() -> list[str]:
    rows = _loan_units(f"(SELECT {_COLS} FROM loans_loan) r", "r", "r.borrower_id")
    return [
        f"INSERT INTO {LINK} (level, unit, sub, borrower_id, loans) "
        f"SELECT level, unit, sub, borrower_id, COUNT(*) FROM ({rows}) x GROUP BY level, unit, sub, borrower_id",
        f"INSERT INTO {COUNT} (level, unit, sub, households) "
        f"SELECT level, unit, sub, COUNT(*) FROM {LINK} WHERE loans > 0 GROUP BY level, unit, sub",
    ]


def _refill_sql() -> list[str]:
    return [f"DELETE FROM {COUNT}", f"DELETE FROM {LINK}", *_fill_sql()]


def fill(connection) -> None:
    """Recompute every stored household from the loans (install, and `npl derive` when they differ)."""
    with connection.cursor() as c:
        for sql in _refill_sql():
            c.execute(sql)


def install(connection) -> None:
    """Create the backend's triggers and fill the households from the loans already stored."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for event in _PG_DELTAS:
                pg_trigger(c, name=f"loans_households_{event.lower()}", table="loans_loan", event=event,
                           body=_pg_body(event))
            install_org_refill(c, "postgresql", "loans_households", _refill_sql())
        elif connection.vendor == "sqlite":
            install_sqlite(c)
            return
    fill(connection)


def install_sqlite(cursor) -> None:
    """The row triggers (insert, delete, update of a unit or the borrower) and the rows for existing loans."""
    # A save writes every column: only a loan whose unit or borrower changed moves its links.
    moved = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _COLS.split(", "))
    args = {"link": LINK, "count": COUNT, "key": KEY, "link_n": "loans"}
    add = sqlite_add(_loan_units(None, "new", "1 AS one"), borrower="new.borrower_id", **args)
    subtract = sqlite_subtract(_loan_units(None, "old", "1 AS one"), borrower="old.borrower_id", **args)
    for name, event, body in (
        ("ai", "AFTER INSERT ON loans_loan", add),
        ("ad", "AFTER DELETE ON loans_loan", subtract),
        ("au", f"AFTER UPDATE OF {_COLS} ON loans_loan WHEN {moved}", subtract + add),
    ):
        cursor.execute(f"DROP TRIGGER IF EXISTS {LINK}_{name}")
        cursor.execute(f"CREATE TRIGGER {LINK}_{name} {event} BEGIN {body} END")
    install_org_refill(cursor, "sqlite", "loans_households", _refill_sql())
    for sql in _refill_sql():
        cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for event in _PG_DELTAS:
                pg_drop(c, name=f"loans_households_{event.lower()}", table="loans_loan")
        elif connection.vendor == "sqlite":
            for name in ("ai", "ad", "au"):
                c.execute(f"DROP TRIGGER IF EXISTS {LINK}_{name}")
        drop_org_refill(c, connection.vendor, "loans_households")


# --- reading -------------------------------------------------------------------------------------------------
def scope_unit(user) -> tuple[int, int, int] | None:
    """(level, unit, sub) whose loans are exactly `accounts.scope.unit_scope`'s for `user` (the same branches, in
    the same order), or None: a finer scope (collector, liaisons) or one that sees nothing — the caller counts."""
    from npl.accounts.choices import Role

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return (L.ALL, 0, 0)
    if user.is_region_wide:
        return (L.REGION, user.region_id, 0) if user.region_id else None
    if not user.district_id:
        return None
    if user.is_district_wide:
        return (L.DISTRICT, user.district_id, 0)
    if user.role == Role.TOWNSHIP_ADMIN and user.township_id:
        # unit_scope asks for the district too; a township admin's township is in their district (User.clean).
        return (L.TOWNSHIP, user.township_id, 0)
    if user.role == Role.BRANCH_STAFF and user.branch_id:
        return (L.BRANCH, user.branch_id, user.district_id)
    return None


def count(level: int, unit: int, sub: int = 0) -> int:
    """The households of one unit (0 when none is stored)."""
    from npl.loans.models import HouseholdCount

    found = HouseholdCount.objects.filter(level=level, unit=unit, sub=sub).values_list("households", flat=True)
    return int(next(iter(found), 0))


def counts(level: int, *, units=None, sub: int | None = None, by: str = "unit") -> dict[int, int]:
    """`by` (unit or sub) → households of the units of a level, narrowed to `units` and/or one `sub`."""
    from npl.loans.models import HouseholdCount

    rows = HouseholdCount.objects.filter(level=level)
    if units is not None:
        rows = rows.filter(unit__ids=[int(u) for u in units])
    if sub is not None:
        rows = rows.filter(sub=sub)
    return {key: int(n) for key, n in rows.values_list(by, "households")}


# --- checking ------------------------------------------------------------------------------------------------
def differing(stored: str, computed: str, key: tuple, values: tuple) -> Iterator[tuple]:
    """(key…, stored values…, computed values…) of every key whose figures differ (absent = 0), compared in the
    database: only the differences come back, whatever the number of rows (millions of links at 1M loans)."""
    k = ", ".join(key)
    both = [f"SELECT {k}, {', '.join(f'{v} AS s_{v}' for v in values)}, {', '.join(f'0 AS c_{v}' for v in values)} "
            f"FROM ({stored}) a",
            f"SELECT {k}, {', '.join(f'0 AS s_{v}' for v in values)}, {', '.join(f'{v} AS c_{v}' for v in values)} "
            f"FROM ({computed}) b"]
    sums = ", ".join([f"SUM(s_{v})" for v in values] + [f"SUM(c_{v})" for v in values])
    differ = " OR ".join(f"SUM(s_{v}) <> SUM(c_{v})" for v in values)
    with connection.cursor() as c:
        c.execute(f"SELECT {k}, {sums} FROM ({' UNION ALL '.join(both)}) x GROUP BY {k} HAVING {differ} ORDER BY {k}")
        found = c.fetchall()
    yield from found


def compare(name: str, rows: Iterator[tuple], width: int, label) -> Iterator[derived.Difference]:
    """`differing`'s rows (a key of `width` columns) as differences of `name`."""
    for row in rows:
        key, figures = row[:width], row[width:]
        half = len(figures) // 2
        stored, computed = [int(v) for v in figures[:half]], [int(v) for v in figures[half:]]
        yield derived.Difference(name, None, label(key), stored[0] if half == 1 else tuple(stored),
                                 computed[0] if half == 1 else tuple(computed))


def _label(key) -> str:
    level, unit, sub = key[:3]
    text = f"{L(level).label} {unit}" + (f"/{sub}" if sub else "")
    return text + (f" 借款人#{key[3]} 笔数" if len(key) > 3 else " 户数")


def _differences(name: str) -> Iterator[derived.Difference]:
    rows = _loan_units(f"(SELECT {_COLS} FROM loans_loan) r", "r", "r.borrower_id")
    yield from compare(name, differing(
        f"SELECT level, unit, sub, households FROM {COUNT}",
        f"SELECT level, unit, sub, COUNT(DISTINCT borrower_id) AS households FROM ({rows}) x GROUP BY level, unit, sub",
        KEY, ("households",)), 3, _label)
    yield from compare(name, differing(
        f"SELECT level, unit, sub, borrower_id, loans FROM {LINK}",
        f"SELECT level, unit, sub, borrower_id, COUNT(*) AS loans FROM ({rows}) x GROUP BY level, unit, sub, borrower_id",
        (*KEY, "borrower_id"), ("loans",)), 4, _label)


class Households(derived.TriggerKept):
    """The stored households per unit: triggers keep them; this checks them, and refills them if they differ."""

    name = "households"
    label = "户数"
    order = 90

    def fill(self) -> int:
        fill(connection)
        from npl.loans.models import HouseholdCount

        return HouseholdCount.objects.count()

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        yield from _differences(self.name)
