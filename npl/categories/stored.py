"""Reading the stored memberships (`Membership`, kept current by `categories.derive`): today's figures and a
loan's categories without running the engine. Past days still ask `categories.engine` (as-of reports)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef

from npl.categories import totals
from npl.categories.choices import CATEGORIES, NAMES
from npl.categories.models import Membership
from npl.core import derived
from npl.loans.balances import aggregate_over, col, from_cents, sum_cents

ORDER = [c for cat in CATEGORIES for c in (cat.code, *(s.code for s in cat.subcategories))]
RANK = {code: i for i, code in enumerate(ORDER)}


def answers(day: dt.date) -> bool:
    """Whether the stored rows hold `day`'s memberships: today, after every loan's rows were computed today
    (`core.derived.current`); else the caller asks the engine."""
    return derived.current("memberships", day)


def live(qs=None, where: dict | None = None):
    """Stored memberships of loans with a balance > 0 (what reports count), of the loans of `qs` if given, or of
    the rows matching `where` (filters on the row's own township, `accounts.scope.township_scope`: no loan joined)."""
    rows = Membership.objects.filter(balance__gt=0)
    if where is not None:
        return rows.filter(**where)
    if qs is not None and qs.query.where:  # an unfiltered Loan queryset needs no IN list
        rows = rows.filter(loan__in=qs.order_by().values("pk"))
    return rows


def figures(qs, codes, *, households: bool = True, where: dict | None = None,
            unit: tuple[int, int] | None = None) -> dict[str, dict]:
    """code → {count, households, amount (Decimal 元)} over the loans of `qs` with a balance > 0 today, from the
    stored rows: one GROUP BY code (as `reports.category_figures` computes them for any day). `where`: the same
    loans as filters on the rows' township (`live`); without `households` (the home pages) the households are
    not counted (0) and the borrowers are not joined, so the count reads the memberships alone. `unit`: (level,
    id) of `categories.totals` whose memberships are exactly those loans' — its stored figures, a row a code."""
    codes = list(codes)
    if unit is not None:
        found = totals.figures(*unit, codes)
        if not households:
            for fig in found.values():
                fig["households"] = 0
        return found
    rows = live(qs, where).filter(code__in=codes)
    if households:
        inner = rows.annotate(borrower=F("loan__borrower_id")).values("code", "balance", "borrower")
        selects = {"n": "COUNT(*)", "h": f"COUNT(DISTINCT {col('borrower')})", "a": sum_cents(col("balance"))}
    else:
        inner = rows.values("code", "balance")
        selects = {"n": "COUNT(*)", "a": sum_cents(col("balance"))}
    found = {r["code"]: r for r in aggregate_over(inner, selects, group_by=("code",))}
    zero = {"n": 0, "h": 0, "a": None}
    return {
        code: {"count": found.get(code, zero)["n"] or 0, "households": found.get(code, zero).get("h") or 0,
               "amount": from_cents(found.get(code, zero)["a"])}
        for code in codes
    }


def loan_categories(loan_ids) -> dict[int, list[tuple[str, str]]]:
    """loan pk → (code, Chinese name) of its stored categories and subcategories, in DOMAIN order (a loan with
    none is left out). As `engine.loan_categories_many` for today: a loan with a balance of 0 keeps them. Before
    today's rows are complete (after midnight, before the sweep) it asks the engine."""
    if not answers(derived.today()):
        from npl.categories.engine import loan_categories_many

        return {pk: cats for pk, cats in loan_categories_many(loan_ids, derived.today()).items() if cats}
    out: dict[int, list[tuple[str, str]]] = {}
    for loan_id, code in Membership.objects.filter(loan_id__ids=list(loan_ids)).values_list("loan_id", "code"):
        out.setdefault(loan_id, []).append((code, NAMES[code]))
    for cats in out.values():
        cats.sort(key=lambda c: RANK[c[0]])
    return out


def membership_annotations() -> dict:
    """Annotations of a Loan query saying, code by code, whether each loan is stored in it (today's rows, one
    index probe each): a page showing one loan folds its categories into the loan's own query."""
    return {f"in_category_{code}": Exists(Membership.objects.filter(loan=OuterRef("pk"), code=code)) for code in ORDER}


def annotated_categories(loan) -> list[tuple[str, str]] | None:
    """A loan's categories from its `membership_annotations`, as `loan_categories` gives them; None when the
    stored rows do not answer today (the caller asks `loan_categories`, which computes) or the loan was fetched
    without the annotations."""
    if not hasattr(loan, f"in_category_{ORDER[0]}") or not answers(derived.today()):
        return None
    return [(code, NAMES[code]) for code in ORDER if getattr(loan, f"in_category_{code}")]


def loans_in(code: str, qs):
    """The loans of `qs` stored in `code` today with a balance > 0, annotated with `balance` (as
    `engine.loans_in(code, today, qs)`)."""
    return qs.filter(memberships__code=code, memberships__balance__gt=0).annotate(balance=F("memberships__balance"))
