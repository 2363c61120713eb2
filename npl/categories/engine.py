"""The nine-category engine: which loans are in which category or subcategory on a given day.

Every rule is a condition (a Q object) on a Loan queryset annotated with its balance on that day
(npl.loans.balances). Sources (DOMAIN.md "The nine special categories"):
- rosters, borrower level: the borrower's ID hash is on a roster entry in force that day; a
  township-scoped roster applies only to that township's loans;
- the bank's impersonated/staff list, loan level, with the subcategory;
- litigation cases, counted from their counted_from day, the direction picks the subcategory;
- large mortgage: a mortgage in the guarantee and a balance on the day >= the threshold setting;
- manual add/remove decided by the district admin, in force that day; a removal wins over a source.
The conditions use uncorrelated IN lists (hashed once by the database), not per-loan subqueries,
so one aggregate over a million loans stays fast.
"""
import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from npl.categories.choices import BY_CODE, CATEGORIES, NAMES, ROSTER_KINDS, SUB_PARENT
from npl.categories.models import LoanListEntry, ManualMembership, RosterEntry
from npl.categories.services import threshold_on
from npl.litigation.models import LitigationCase
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Borrower, Loan

LOAN_LIST_SUBS = ("impersonated", "bank_staff")
LITIGATION_SUBS = ("borrower_sued_bank", "bank_sued_borrower")


def _in_force(qs, day):
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _manual(code: str, op: str, day: dt.date) -> Q:
    ids = _in_force(
        ManualMembership.objects.filter(code=code, op=op, status=ManualMembership.Status.APPROVED), day
    ).values("loan_id")
    return Q(pk__in=ids)


def _roster(kind: str, day: dt.date, scoped_towns: list[int]) -> Q:
    entries = _in_force(RosterEntry.objects.filter(kind=kind), day)
    district_wide = Borrower.objects.filter(
        id_hash__in=entries.filter(township__isnull=True).values("person__id_hash")
    ).values("pk")
    q = Q(borrower_id__in=district_wide)
    for town_id in scoped_towns:
        local = Borrower.objects.filter(id_hash__in=entries.filter(township_id=town_id).values("person__id_hash")).values(
            "pk"
        )
        q |= Q(township_id=town_id, borrower_id__in=local)
    return q


def _scoped_roster_towns(day: dt.date) -> dict[str, list[int]]:
    """Township-scoped rosters in force on the day: kind → townships (a handful; one small query)."""
    out: dict[str, list[int]] = {}
    pairs = (
        _in_force(RosterEntry.objects.filter(township__isnull=False), day)
        .values_list("kind", "township_id")
        .distinct()
        .order_by()
    )
    for kind, town_id in pairs:
        out.setdefault(kind, []).append(town_id)
    return out


def _source(code: str, day: dt.date, scoped: dict[str, list[int]], threshold) -> Q:
    """Membership from the data itself, before manual decisions."""
    if code in ROSTER_KINDS:
        return _roster(code, day, scoped.get(code, []))
    if code in LOAN_LIST_SUBS:
        return Q(pk__in=_in_force(LoanListEntry.objects.filter(subcategory=code), day).values("loan_id"))
    if code in LITIGATION_SUBS:
        return Q(pk__in=LitigationCase.objects.filter(direction=code, counted_from__lte=day).values("loan_id"))
    if code == "large_mortgage":
        return Q(has_mortgage=True, **{f"{BALANCE}__gte": threshold})
    return Q(pk__in=[])  # a parent category: its members come from its subcategories


def conditions(day: dt.date, codes=None) -> dict[str, Q]:
    """code → condition on a queryset annotated by with_balance(…, day), for every category and
    subcategory (or just `codes`). A loan in two subcategories satisfies its category once."""
    scoped = _scoped_roster_towns(day)
    threshold = threshold_on(day)
    out: dict[str, Q] = {}
    for cat in CATEGORIES:
        parent_removed = _manual(cat.code, "remove", day)
        subs = {}
        for sub in cat.subcategories:
            subs[sub.code] = (
                (_source(sub.code, day, scoped, threshold) | _manual(sub.code, "add", day))
                & ~_manual(sub.code, "remove", day)
                & ~parent_removed
            )
        if subs:
            any_sub = Q()
            for q in subs.values():
                any_sub |= q
            own = any_sub | _manual(cat.code, "add", day)
        else:
            own = _source(cat.code, day, scoped, threshold) | _manual(cat.code, "add", day)
        out[cat.code] = own & ~parent_removed
        out.update(subs)
    if codes is not None:
        out = {c: out[c] for c in codes}
    return out


def _check(code: str) -> None:
    if code not in BY_CODE and code not in SUB_PARENT:
        raise ValueError(f"未知类别：{code}")


def loans_in(code: str, day: dt.date, qs: QuerySet | None = None, *, live: bool = True) -> QuerySet:
    """Loans in `code` on `day`, annotated with `balance`; live=True keeps those with a balance > 0."""
    _check(code)
    qs = with_balance(Loan.objects.all() if qs is None else qs, day)
    qs = qs.filter(conditions(day, [code])[code])
    return qs.filter(**{f"{BALANCE}__gt": 0}) if live else qs.filter(**{f"{BALANCE}__isnull": False})


def loan_ids_in(code: str, day: dt.date) -> QuerySet:
    """Primary keys of the loans in `code` on `day` (existing, balance > 0), usable as `pk__in=`."""
    return loans_in(code, day).order_by().values("pk")


def loan_categories(loan: Loan, day: dt.date | None = None) -> list[tuple[str, str]]:
    """(code, Chinese name) of every category and subcategory the loan is in on `day`, in DOMAIN order."""
    from django.utils import timezone

    day = day or timezone.localdate()
    conds = conditions(day)
    flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
    row = with_balance(Loan.objects.filter(pk=loan.pk), day).annotate(**flags).values(BALANCE, *flags).first()
    if row is None or row[BALANCE] is None:
        return []
    order = [c for cat in CATEGORIES for c in (cat.code, *(s.code for s in cat.subcategories))]
    return [(code, NAMES[code]) for code in order if row[f"c_{code}"]]
