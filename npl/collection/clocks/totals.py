"""The clocks' stored totals (`collection.ClockTotal`, issue 16): the alert page's and the home pages' counts.

One row per township and per what those pages count by (settled, a balance today, limitation status, an
enforcement alert, guarantee and claim alerts, a missing holiday schedule) holds how many clock rows and how many
guarantors they list; triggers on `collection_loanclock` written by `core.totals` from `SPEC` keep them exact
(statement-level on PostgreSQL, row-level on SQLite; a migration rebuilding `LoanClock` on SQLite re-runs
`install_sqlite`). A clock row that is settled and holds no balance is counted by no page, and by no total.

The pages read them when the person's scope is whole townships (`accounts.scope.township_scope`): a collector's or
a branch's scope keeps counting its rows.
"""
from __future__ import annotations

from npl.collection.clocks.rows import ALERTS
from npl.core import totals

_ALERTS = ", ".join(f"'{code}'" for code in ALERTS)
SPEC = totals.Totals(
    table="collection_clocktotal", source="collection_loanclock",
    key={
        "township_id": "{row}.township_id",
        "settled": "{row}.settled",
        "live": "({row}.balance IS NOT NULL AND {row}.balance > 0)",
        "status": "{row}.status",
        "enforcement_alert": f"({{row}}.enforcement_status IN ({_ALERTS}))",
        "guarantee_alert": "({row}.guarantee_alerts > 0)",
        "claim_alert": "({row}.claim_alerts > 0)",
        "schedule_missing": "{row}.schedule_missing",
    },
    count="loans", sums={"guarantors": "{row}.guarantee_alerts", "claims": "{row}.claim_alerts"},
    where="NOT {row}.settled OR {row}.balance > 0",
)


def install(connection) -> None:
    """Create the backend's triggers and fill the totals from the clock rows already stored."""
    totals.install(connection, SPEC)


def install_sqlite(cursor) -> None:
    totals.install_sqlite(cursor, SPEC)


def uninstall(connection) -> None:
    totals.uninstall(connection, SPEC)


def differences(connection) -> list:
    """Where the stored totals are not a count of the clock rows (`core.totals.differences`)."""
    return totals.differences(connection, SPEC)


def for_user(user, district=None, town=None):
    """The clock totals of the townships `user` sees whole (of `district`, of `town` when given), or None when the
    person's scope is finer (their clock rows are counted instead)."""
    from npl.accounts.scope import township_scope
    from npl.collection.models import ClockTotal

    where = township_scope(user)
    if where is None:
        return None
    rows = ClockTotal.objects.filter(**where)
    if district is not None:
        rows = rows.filter(township__district=district)
    return rows.filter(township=town) if town is not None else rows
