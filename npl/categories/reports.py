"""The nine-category table (INTAKE.md shape) for the district or a township on any day, in one aggregate."""
import datetime as dt

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from npl.accounts.choices import Role
from npl.categories import stored
from npl.categories.choices import CATEGORIES, ROSTER_KINDS
from npl.categories.engine import LIVE_FROM, Rules
from npl.core.money import fmt_wan, fmt_yuan
from npl.loans.balances import BALANCE, aggregate_over, col, fenced_sql, from_cents, sum_cents, with_balance
from npl.loans.models import Borrower, Loan
from npl.org.models import District

ORDER = [c for cat in CATEGORIES for c in (cat.code, *(s.code for s in cat.subcategories))]


def visible_codes(user) -> list[str]:
    """Category and subcategory codes a person may see figures for (the discipline liaison: public servants)."""
    if user is not None and getattr(user, "role", "") == Role.DISCIPLINE_LIAISON and not user.is_superuser:
        return ["public_servant"]
    return list(ORDER)


def scoped_loans(*, township=None, user=None, district=None):
    """The loans a report covers: the user's scope (if given), narrowed to a district or a township (if given)."""
    qs = Loan.objects.for_user(user) if user is not None else Loan.objects.all()
    if district is not None:
        qs = qs.filter(township__district=district)
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


def _roster_mask(rules: Rules) -> tuple[str, tuple]:
    """LEFT JOIN of each borrower's unscoped rosters that day (Rules.unscoped_roster_entries; the scoped ones are
    flags from Rules.scoped_source): one row per borrower on any roster,
    a 0/1 column per kind. One match of roster people to borrowers (by ID hash) for all kinds, and one
    lookup per loan, instead of one set and one probe per kind."""
    entries_sql, params = fenced_sql(rules.unscoped_roster_entries().values("kind", "person__id_hash"))
    q = connection.ops.quote_name
    borrower = Borrower._meta
    bid, bhash = q(borrower.pk.column), q(borrower.get_field("id_hash").column)
    kinds = ", ".join(f"MAX(CASE WHEN e.{q('kind')} = '{k}' THEN 1 ELSE 0 END) AS {q('r_' + k)}" for k in ROSTER_KINDS)
    sql = (
        f"LEFT JOIN (SELECT b.{bid} AS {q('borrower_id')}, {kinds} FROM ({entries_sql}) e "
        f"JOIN {q(borrower.db_table)} b ON b.{bhash} = e.{q('person__id_hash')} GROUP BY b.{bid}) rb "
        f"ON rb.{q('borrower_id')} = t.{q('borrower_id')}"
    )
    return sql, params


def category_figures(qs, day: dt.date, codes=None, *, stored_today: bool = True, households: bool = True,
                     where: dict | None = None, unit: tuple[int, int] | None = None) -> dict[str, dict]:
    """code → {count, households, amount (Decimal 元)} over the loans of `qs` that exist with a
    balance > 0 on `day`. Today (unless `stored_today=False`): from the stored memberships
    (`categories.stored`, issue 16). Another day: in one SQL statement by the engine's rules: each loan's
    balance and its loan-level flags are computed once inside, its borrower's rosters joined beside,
    categories composed and counted outside. `households`, `where`, `unit`: see `stored.figures` (today only)."""
    codes = list(ORDER if codes is None else codes)
    if not codes:
        return {}
    if stored_today and stored.answers(day):
        return stored.figures(qs, codes, households=households, where=where, unit=unit)
    rules = Rules(day)
    q = connection.ops.quote_name
    flags, atoms = {}, {}
    for leaf, _parent in Rules.leaves():
        if leaf in ROSTER_KINDS:
            source = _Sql(f"(rb.{q('r_' + leaf)} = 1)")
            scoped = rules.scoped_source(leaf)
            if scoped is not None:
                flags[f"s_{leaf}"] = ExpressionWrapper(scoped, output_field=BooleanField())
                source = source | _Sql(col(f"s_{leaf}"))
            atoms[("source", leaf)] = source
        elif leaf == "large_mortgage" and not rules.own_thresholds:
            threshold = f"{rules.threshold:.2f}"  # a Decimal from the settings, formatted: safe as a literal
            atoms[("source", leaf)] = _Sql(f"({col('has_mortgage')} AND {col(BALANCE)} >= {threshold})")
        elif leaf == "large_mortgage":  # districts with their own thresholds: each loan against its district's
            flags[f"s_{leaf}"] = ExpressionWrapper(rules.large_mortgage_q(), output_field=BooleanField())
            atoms[("source", leaf)] = _Sql(col(f"s_{leaf}"))
        else:
            flags[f"s_{leaf}"] = ExpressionWrapper(rules.source(leaf), output_field=BooleanField())
            atoms[("source", leaf)] = _Sql(col(f"s_{leaf}"))
    for code, op in sorted(rules.manual):
        flags[f"m_{op}_{code}"] = ExpressionWrapper(rules.manual_q(code, op), output_field=BooleanField())
        atoms[(op, code)] = _Sql(col(f"m_{op}_{code}"))
    composed = rules.compose(lambda kind, code: atoms.get((kind, code)))
    inner = with_balance(qs, day).annotate(**flags).values("borrower_id", "has_mortgage", BALANCE, *flags)
    selects = {}
    for i, code in enumerate(codes):
        cond = composed[code] or "1 = 0"
        selects[f"n{i}"] = f"COUNT(CASE WHEN {cond} THEN 1 END)"
        selects[f"h{i}"] = f"COUNT(DISTINCT CASE WHEN {cond} THEN {col('borrower_id')} END)"
        selects[f"a{i}"] = sum_cents(f"CASE WHEN {cond} THEN {col(BALANCE)} END")
    row = aggregate_over(inner, selects, where=f"{col(BALANCE)} >= {LIVE_FROM}", joins=[_roster_mask(rules)])[0]
    return {
        code: {"count": row[f"n{i}"] or 0, "households": row[f"h{i}"] or 0, "amount": from_cents(row[f"a{i}"])}
        for i, code in enumerate(codes)
    }


def _stored_where(user, township, district) -> dict | None:
    """`scoped_loans` as filters on the stored rows' own township when the user's scope is whole townships
    (`accounts.scope.township_scope`), so today's figures count the memberships without joining the loans."""
    from npl.accounts.scope import township_scope

    where = {} if user is None else township_scope(user)
    if where is None:
        return None
    where = dict(where)
    if district is not None:
        where["township__district"] = district
    if township is not None:
        where["township"] = township
    return where


def _stored_unit(user, township, district, where: dict | None) -> tuple[int, int] | None:
    """The unit of `categories.totals` (level, id) whose memberships are exactly those `where` selects — its
    townships are the same — so the report reads its stored figures; None: count the rows (`where`) instead."""
    from npl.loans.models import HouseholdLevel as Level
    from npl.org.models import Region, Township

    if where is None:
        return None
    # `where` names the row's township; the same filters on the townships themselves.
    on_towns = dict(("pk", getattr(v, "pk", v)) if k in ("township", "township_id")
                    else (k.removeprefix("township__"), v) for k, v in where.items())
    chosen = set(Township.objects.filter(**on_towns).values_list("pk", flat=True))
    candidates = []
    if township is not None:
        candidates.append((Level.TOWNSHIP, township.pk, Township.objects.filter(pk=township.pk)))
    elif district is not None:
        candidates.append((Level.DISTRICT, district.pk, Township.objects.filter(district=district)))
    if user is None or user.is_superuser:
        candidates.append((Level.ALL, 0, Township.objects.all()))
    elif user.is_region_wide and user.region_id:
        region = Region.objects.get(pk=user.region_id)
        candidates.append((Level.REGION, region.pk, Township.objects.filter(district__in=region.districts())))
    elif user.is_district_wide and user.district_id:
        candidates.append((Level.DISTRICT, user.district_id, Township.objects.filter(district_id=user.district_id)))
    elif user.township_id:
        candidates.append((Level.TOWNSHIP, user.township_id, Township.objects.filter(pk=user.township_id)))
    for level, pk, towns in candidates:
        if set(towns.values_list("pk", flat=True)) == chosen:
            return level, pk
    return None


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


def category_report(*, township=None, as_of: dt.date | None = None, user=None, households: bool = True,
                    district=None) -> dict:
    """{"scope", "as_of", "categories": [...]} as INTAKE.md shapes it, plus households (户) per row.

    `user` narrows to what that person may see (their loans and, for the discipline liaison, only the
    public-servant category); `township` narrows to one township, `district` to one district (a region office's
    drill-down)."""
    day = as_of or timezone.localdate()
    codes = visible_codes(user)
    where = _stored_where(user, township, district)
    unit = _stored_unit(user, township, district, where) if day == timezone.localdate() else None
    figs = category_figures(scoped_loans(township=township, user=user, district=district), day, codes,
                            households=households, where=where, unit=unit)
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
    scope = township.name if township is not None else (district or District.current()).name
    return {"scope": scope, "as_of": day.isoformat(), "categories": rows}
