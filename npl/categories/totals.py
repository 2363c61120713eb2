"""Today's category figures per unit as stored rows: 笔数, 户数 and balance of each code's live memberships.

The category report counts, per code, the live memberships (`Membership`, balance > 0), their distinct borrowers
and their balance over the person's townships; at a million loans the distinct count alone took seconds. As
`loans.households` does for the loans: `CategoryLink(code, level, unit, borrower, memberships)` holds how many of
a borrower's live memberships of a code lie in a unit, and `CategoryTotal(code, level, unit, loans, households,
amount_cents)` each unit's figures. Units are the membership row's own township (what `_stored_where` filters
on), its district, the 省/市 above it and everything (`loans.HouseholdLevel`).

Kept by triggers, in the writing statement's transaction (statement-level with transition tables on
PostgreSQL, row-level on SQLite; the helpers and their rules are `loans.households`'):
- on `categories_membership`: a row entering or leaving the live set (balance crossing 0, inserted, deleted),
  moving township or code, or changing its balance moves its unit's figures; the borrower is its loan's;
- on `loans_loan`: a loan whose borrower changes moves its live memberships' links to the new borrower; a
  deleted loan takes its memberships' links (Django deletes the memberships first, which takes them then;
  a deletion in the other order finds no loan for the memberships and leaves their links alone).
A township, district or region changing the unit above it refills the rows (`loans.households`' org triggers).
SQLite drops these triggers when a migration rebuilds `Membership` or `Loan`: such a migration re-runs
`install_sqlite` (`test_households.py` fails otherwise).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connection

from npl.core import derived
from npl.loans.households import (
    PLACES,
    compare,
    differing,
    drop_org_refill,
    install_org_refill,
    pg_apply,
    pg_drop,
    pg_trigger,
    sqlite_add,
    sqlite_subtract,
    units_sql,
)
from npl.loans.models import HouseholdLevel as L

LINK, TOTAL = "categories_categorylink", "categories_categorytotal"
KEY = ("code", "level", "unit")
ARGS = {"link": LINK, "count": TOTAL, "key": KEY, "link_n": "memberships", "others": ("loans", "amount_cents")}


def _cents(value: str, vendor: str) -> str:
    return f"({value} * 100)::bigint" if vendor == "postgresql" else f"CAST(ROUND({value} * 100) AS INTEGER)"


def _units(source: str | None, r: str, carry: str, where: str = "") -> str:
    return units_sql(PLACES, r=r, source=source, carry=carry, where=where, sub=False)


def _live(vendor: str) -> str:
    """Each live membership with its loan's borrower: what the figures count."""
    return (f"SELECT m.code, m.township_id, l.borrower_id, {_cents('m.balance', vendor)} AS cents "
            f"FROM categories_membership m JOIN loans_loan l ON l.id = m.loan_id WHERE m.balance > 0")


# --- PostgreSQL: deltas per event (code, township_id, borrower_id, n, loans, amount_cents) -------------------------
def _pg_membership_deltas(event: str) -> str:
    # Aliases a (new rows) and b (old rows): `new` and `old` are PL/pgSQL's own variables inside the function.
    def rows(alias, sign, source):
        return (f"SELECT {alias}.code, {alias}.township_id, l.borrower_id, {sign}1 AS n, {sign}1 AS loans, "
                f"{sign}{_cents(f'{alias}.balance', 'postgresql')} AS amount_cents "
                f"{source} LEFT JOIN loans_loan l ON l.id = {alias}.loan_id WHERE {alias}.balance > 0")

    if event == "INSERT":
        return rows("a", "", "FROM new_rows a")
    if event == "DELETE":
        return rows("b", "-", "FROM old_rows b")
    changed = ("FROM old_rows b JOIN new_rows a ON a.id = b.id AND (b.code, b.township_id, b.loan_id, b.balance) "
               "IS DISTINCT FROM (a.code, a.township_id, a.loan_id, a.balance)")
    return f"{rows('a', '', changed)} UNION ALL {rows('b', '-', changed)}"


def _pg_loan_deltas(event: str) -> str:
    if event == "DELETE":
        moved = "SELECT o.id, o.borrower_id, -1 AS n FROM old_rows o"
    else:
        changed = "FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.borrower_id <> n.borrower_id"
        moved = f"SELECT n.id, n.borrower_id, 1 AS n {changed} UNION ALL SELECT o.id, o.borrower_id, -1 {changed}"
    return (f"SELECT m.code, m.township_id, x.borrower_id, x.n, 0 AS loans, 0 AS amount_cents FROM ({moved}) x "
            f"JOIN categories_membership m ON m.loan_id = x.id AND m.balance > 0")


def _pg_body(deltas: str) -> str:
    units = _units(f"({deltas}) r", "r", "r.code, r.borrower_id, r.n, r.loans, r.amount_cents")
    return pg_apply(units, sums=("loans", "amount_cents"), link=LINK, count=TOTAL, key=KEY, link_n="memberships")


PG_TRIGGERS = [(f"categories_totals_{event.lower()}", "categories_membership", event, _pg_membership_deltas)
               for event in ("INSERT", "DELETE", "UPDATE")] + [
    (f"categories_totals_loan_{event.lower()}", "loans_loan", event, _pg_loan_deltas) for event in ("DELETE", "UPDATE")]


# --- SQLite: row triggers --------------------------------------------------------------------------------------
def _sqlite_triggers() -> list[tuple[str, str, str]]:
    """(name, event, body) of the row triggers."""
    def borrower(row):
        return f"(SELECT borrower_id FROM loans_loan WHERE id = {row}.loan_id)"

    def change(row, step):
        units = _units(None, row, f"{row}.code AS code", where=f"{row}.balance > 0")
        sums = {"loans": "1", "amount_cents": _cents(f"{row}.balance", "sqlite")}
        return step(units, borrower=borrower(row), sums=sums, **ARGS)

    def loan_memberships(row, step):
        source = f"(SELECT code, township_id FROM categories_membership WHERE loan_id = {row}.id AND balance > 0) r"
        return step(_units(source, "r", "r.code AS code"), borrower=f"{row}.borrower_id", **ARGS)

    moved = "old.code IS NOT new.code OR old.township_id IS NOT new.township_id OR old.loan_id IS NOT new.loan_id " \
            "OR old.balance IS NOT new.balance"
    return [
        ("ai", "AFTER INSERT ON categories_membership", change("new", sqlite_add)),
        ("ad", "AFTER DELETE ON categories_membership", change("old", sqlite_subtract)),
        ("au", f"AFTER UPDATE OF code, township_id, loan_id, balance ON categories_membership WHEN {moved}",
         change("old", sqlite_subtract) + change("new", sqlite_add)),
        ("loan_ad", "AFTER DELETE ON loans_loan", loan_memberships("old", sqlite_subtract)),
        ("loan_au", "AFTER UPDATE OF borrower_id ON loans_loan WHEN old.borrower_id IS NOT new.borrower_id",
         loan_memberships("old", sqlite_subtract) + loan_memberships("new", sqlite_add)),
    ]


def _fill_sql(vendor: str) -> list[str]:
    rows = _units(f"({_live(vendor)}) r", "r", "r.code, r.borrower_id, r.cents")
    return [
        f"INSERT INTO {LINK} (code, level, unit, borrower_id, memberships) "
        f"SELECT code, level, unit, borrower_id, COUNT(*) FROM ({rows}) x GROUP BY code, level, unit, borrower_id",
        f"INSERT INTO {TOTAL} (code, level, unit, loans, households, amount_cents) SELECT code, level, unit, "
        f"COUNT(*), COUNT(DISTINCT borrower_id), SUM(cents) FROM ({rows}) x GROUP BY code, level, unit",
    ]


def _refill_sql(vendor: str) -> list[str]:
    return [f"DELETE FROM {TOTAL}", f"DELETE FROM {LINK}", *_fill_sql(vendor)]


def fill(connection) -> None:
    """Recompute every stored figure from the memberships (install, and `npl derive` when they differ)."""
    with connection.cursor() as c:
        for sql in _refill_sql(connection.vendor):
            c.execute(sql)


def install(connection) -> None:
    """Create the backend's triggers and fill the figures from the memberships already stored."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for name, table, event, deltas in PG_TRIGGERS:
                pg_trigger(c, name=name, table=table, event=event, body=_pg_body(deltas(event)))
            install_org_refill(c, "postgresql", "categories_totals", _refill_sql("postgresql"))
        elif connection.vendor == "sqlite":
            install_sqlite(c)
            return
    fill(connection)


def install_sqlite(cursor) -> None:
    """The row triggers on the memberships and the loans, and the figures of the memberships already stored."""
    for name, event, body in _sqlite_triggers():
        cursor.execute(f"DROP TRIGGER IF EXISTS {TOTAL}_{name}")
        cursor.execute(f"CREATE TRIGGER {TOTAL}_{name} {event} BEGIN {body} END")
    install_org_refill(cursor, "sqlite", "categories_totals", _refill_sql("sqlite"))
    for sql in _refill_sql("sqlite"):
        cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for name, table, _, _ in PG_TRIGGERS:
                pg_drop(c, name=name, table=table)
        elif connection.vendor == "sqlite":
            for name, _, _ in _sqlite_triggers():
                c.execute(f"DROP TRIGGER IF EXISTS {TOTAL}_{name}")
        drop_org_refill(c, connection.vendor, "categories_totals")


# --- reading -------------------------------------------------------------------------------------------------
def figures(level: int, unit: int, codes) -> dict[str, dict]:
    """code → {count, households, amount (Decimal 元)} of one unit's live memberships, one row per code."""
    from npl.categories.models import CategoryTotal
    from npl.loans.balances import from_cents

    codes = list(codes)
    rows = CategoryTotal.objects.filter(level=level, unit=unit, code__in=codes)
    found = {code: (n, h, a) for code, n, h, a in rows.values_list("code", "loans", "households", "amount_cents")}
    return {code: {"count": int(found.get(code, (0, 0, 0))[0]), "households": int(found.get(code, (0, 0, 0))[1]),
                   "amount": from_cents(found.get(code, (0, 0, 0))[2])} for code in codes}


# --- checking ------------------------------------------------------------------------------------------------
def _differences(name: str) -> Iterator[derived.Difference]:
    rows = _units(f"({_live(connection.vendor)}) r", "r", "r.code, r.borrower_id, r.cents")
    yield from compare(name, differing(
        f"SELECT code, level, unit, loans, households, amount_cents FROM {TOTAL}",
        f"SELECT code, level, unit, COUNT(*) AS loans, COUNT(DISTINCT borrower_id) AS households, "
        f"SUM(cents) AS amount_cents FROM ({rows}) x GROUP BY code, level, unit",
        KEY, ("loans", "households", "amount_cents")), 3, _label)
    yield from compare(name, differing(
        f"SELECT code, level, unit, borrower_id, memberships FROM {LINK}",
        f"SELECT code, level, unit, borrower_id, COUNT(*) AS memberships FROM ({rows}) x "
        f"GROUP BY code, level, unit, borrower_id", (*KEY, "borrower_id"), ("memberships",)), 4, _label)


def _label(key) -> str:
    code, level, unit = key[:3]
    return f"{code} {L(level).label} {unit}" + (f" 借款人#{key[3]} 笔数" if len(key) > 3 else " 笔数/户数/分")


class CategoryTotals(derived.TriggerKept):
    """The category figures per unit: triggers keep them; this checks them, and refills them if they differ."""

    name = "category_totals"
    label = "类别合计与户数"
    order = 91  # after the memberships it adds up

    def fill(self) -> int:
        fill(connection)
        from npl.categories.models import CategoryTotal

        return CategoryTotal.objects.count()

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        yield from _differences(self.name)
