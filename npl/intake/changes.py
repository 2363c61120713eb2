"""What a re-import changes, shown before it is written (issue 13 point 7): per row, field, old → new.

An importer records each change of a known object as it compares it with the file (in a dry run too, whose
writes are rolled back), and the report carries them as `changes`, with `change_flags` counting the changes a
person should look at twice. docs/intake-changes.md describes the fields.
"""
import datetime as dt
from decimal import Decimal

from npl.core.money import CENT, fmt_yuan

# Flags on a change, in the order the preview lists them (code → what the page says).
FLAGS = {
    "balance_rise": "余额上升",
    "factor_100": "变动100倍以上",
    "moved_township": "改变乡镇",
    "moved_branch": "改变网点",
}
# Fields whose values are amounts in 元 (any kind's report), shown as money with 2 places.
MONEY_FIELDS = {"amount", "balance", "interest", "principal", "promise_amount"}
# Fields that hold a balance: a balance that rises is flagged (repaid loans do not grow).
BALANCE_FIELDS = {"balance"}
FACTOR = Decimal(100)


def flags_for(field: str, old, new) -> list[str]:
    """The flags a change carries: a rising balance, a figure ×100 or ÷100 or more, a loan moving unit."""
    flags = []
    if field in BALANCE_FIELDS and old is not None and new is not None and new > old:
        flags.append("balance_rise")
    if field in MONEY_FIELDS and old and new:
        big, small = max(abs(old), abs(new)), min(abs(old), abs(new))
        if big >= small * FACTOR:
            flags.append("factor_100")
    if field == "township":
        flags.append("moved_township")
    if field == "branch":
        flags.append("moved_branch")
    return flags


def plain(field: str, value):
    """A value as the JSON report holds it: amounts as 2-place strings, dates as YYYY-MM-DD, else text."""
    if value is None or value == "":
        return None
    if field in MONEY_FIELDS:
        return fmt_yuan(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def change(row, field: str, label: str, old, new) -> dict:
    """One entry of the report's `changes`."""
    return {"row": row.row_no, "key": row.key, "field": field, "label": label, "old": plain(field, old),
            "new": plain(field, new), "flags": flags_for(field, old, new)}


def flag_counts(changes: list[dict]) -> dict:
    """`change_flags`: how many changes carry each flag (every flag present, zeros included)."""
    counts = dict.fromkeys(FLAGS, 0)
    for c in changes:
        for f in c["flags"]:
            counts[f] += 1
    return counts


def money(value) -> str:
    """An amount as a person reads it: 993,516.07 (from a Decimal or its JSON string)."""
    return f"{Decimal(value).quantize(CENT):,.2f}"


def event_amount(value) -> str | None:
    """An amount as a LoanEvent payload holds it: a 2-place string, never the database's 9 decimals."""
    return None if value is None else fmt_yuan(value)


def preview(report: dict, limit: int) -> dict:
    """The change table of the preview page: flagged changes first, then the rest, in row order; amounts as money."""
    changes = report.get("changes") or []
    ordered = sorted(changes, key=lambda c: (not c.get("flags"), c.get("row") or 0))
    rows = []
    for c in ordered[:limit]:
        shown = {side: _display(c.get("field"), c.get(side)) for side in ("old", "new")}
        rows.append({**c, "old_shown": shown["old"], "new_shown": shown["new"],
                     "flag_labels": [FLAGS.get(f, f) for f in c.get("flags") or []]})
    counts = report.get("change_flags") or flag_counts(changes)
    return {
        "changes": rows,
        "changes_total": len(changes),
        "changes_loans": len({c.get("key") for c in changes}),
        "change_flags": [{"code": code, "label": label, "count": counts.get(code, 0)} for code, label in FLAGS.items()],
        "changes_flagged": sum(1 for c in changes if c.get("flags")),
    }


def _display(field, value) -> str:
    if value is None or value == "":
        return "（空）"
    if field in MONEY_FIELDS:
        try:
            return money(value)
        except ArithmeticError:  # an older report's odd value: shown as it is rather than not at all
            return str(value)
    return str(value)
