"""The nine-category table (INTAKE.md shape) for the district or a township on any day, in one aggregate."""
import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from npl.accounts.choices import Role
from npl.categories.choices import CATEGORIES
from npl.categories.engine import Rules
from npl.core.money import fmt_wan, fmt_yuan
from npl.loans.balances import BALANCE, aggregate_over, col, from_cents, sum_cents, with_balance
from npl.loans.models import Loan
from npl.org.models import District

ORDER = [c for cat in CATEGORIES for c in (cat.code, *(s.code for s in cat.subcategories))]


def visible_codes(user) -> list[str]:
    """Category and subcategory codes a person may see figures for (the discipline liaison: public servants)."""
    if user is not None and getattr(user, "role", "") == Role.DISCIPLINE_LIAISON and not user.is_superuser:
        return ["public_servant"]
    return list(ORDER)


def scoped_loans(*, township=None, user=None):
    """The loans a report covers: the user's scope (if given), narrowed to a township (if given)."""
    qs = Loan.objects.for_user(user) if user is not None else Loan.objects.all()
    if township is not None:
        qs = qs.filter(township=township)
    return qs


class _Sql(str):
    """A SQL boolean that composes with |, & and ~ like a Q object (see Rules.compose)."""

    def __or__(self, other):
        return _Sql(f"({self} OR {other})")

    def __and__(self, other):
        return _Sql(f"({self} AND {other})")

    def __invert__(self):
        return _Sql(f"(NOT {self})")


def category_figures(qs, day: dt.date, codes=None) -> dict[str, dict]:
    """code → {count, households, amount (Decimal 元)} over the loans of `qs` that exist with a
    balance > 0 on `day`, in one SQL statement: each loan's balance and its source and manual flags
    are computed once inside; categories are composed from them and counted outside."""
    codes = list(ORDER if codes is None else codes)
    if not codes:
        return {}
    rules = Rules(day)
    flags, atoms = {}, {}
    for leaf, _parent in Rules.leaves():
        q = rules.source(leaf)
        if q is not None:
            atoms[("source", leaf)] = f"s_{leaf}"
            flags[f"s_{leaf}"] = ExpressionWrapper(q, output_field=BooleanField())
    for code, op in sorted(rules.manual):
        atoms[(op, code)] = f"m_{op}_{code}"
        flags[f"m_{op}_{code}"] = ExpressionWrapper(rules.manual_q(code, op), output_field=BooleanField())
    threshold = f"{rules.threshold:.2f}"  # a Decimal from the settings, formatted: safe as a literal

    def atom(kind, code):
        if kind == "source" and code == "large_mortgage":
            return _Sql(f"({col('has_mortgage')} AND {col(BALANCE)} >= {threshold})")
        name = atoms.get((kind, code))
        return _Sql(col(name)) if name else None

    composed = rules.compose(atom)
    inner = with_balance(qs, day).annotate(**flags).values("borrower_id", "has_mortgage", BALANCE, *flags)
    selects = {}
    for i, code in enumerate(codes):
        cond = composed[code] or "1 = 0"
        selects[f"n{i}"] = f"COUNT(CASE WHEN {cond} THEN 1 END)"
        selects[f"h{i}"] = f"COUNT(DISTINCT CASE WHEN {cond} THEN {col('borrower_id')} END)"
        selects[f"a{i}"] = sum_cents(f"CASE WHEN {cond} THEN {col(BALANCE)} END")
    row = aggregate_over(inner, selects, where=f"{col(BALANCE)} > 0")[0]
    return {
        code: {"count": row[f"n{i}"] or 0, "households": row[f"h{i}"] or 0, "amount": from_cents(row[f"a{i}"])}
        for i, code in enumerate(codes)
    }


def _row(code: str, name: str, fig: dict, households: bool) -> dict:
    out = {
        "code": code,
        "name": name,
        "count": fig["count"],
        "amount": fmt_yuan(fig["amount"]),
        "amount_wan": fmt_wan(fig["amount"]),
    }
    if households:
        out["households"] = fig["households"]
    return out


def category_report(*, township=None, as_of: dt.date | None = None, user=None, households: bool = True) -> dict:
    """{"scope", "as_of", "categories": [...]} as INTAKE.md shapes it, plus households (户) per row.

    `user` narrows to what that person may see (their loans and, for the discipline liaison, only the
    public-servant category); `township` narrows to one township."""
    day = as_of or timezone.localdate()
    codes = visible_codes(user)
    figs = category_figures(scoped_loans(township=township, user=user), day, codes)
    rows = []
    for cat in CATEGORIES:
        if cat.code not in figs:
            continue
        row = _row(cat.code, cat.name, figs[cat.code], households)
        if cat.subcategories:
            row["subcategories"] = [
                _row(s.code, s.name, figs[s.code], households) for s in cat.subcategories if s.code in figs
            ]
        rows.append(row)
    scope = township.name if township is not None else District.current().name
    return {"scope": scope, "as_of": day.isoformat(), "categories": rows}
