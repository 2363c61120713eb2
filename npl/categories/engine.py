"""The nine-category engine: which loans are in which category or subcategory on a given day.

Every rule is a condition (a Q object) on a Loan queryset annotated with its balance on that day
(npl.loans.balances). Sources (DOMAIN.md "The nine special categories"):
- rosters, borrower level: the borrower's ID hash is on a roster entry in force that day whose scope holds
  the loan (categories.models.roster_applies): an entry of a district applies only to that district's loans
  (NULL: every district), a township-scoped one only to that township's;
- the bank's impersonated/staff list, loan level, with the subcategory;
- litigation cases, counted from their counted_from day, the direction picks the subcategory;
- large mortgage: a mortgage in the guarantee and a balance on the day >= the threshold setting;
- manual add/remove decided by the district admin, in force that day; a removal wins over a source.
The conditions use uncorrelated IN lists (hashed once by the database), not per-loan subqueries,
so one aggregate over a million loans stays fast.
"""
import datetime as dt
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from npl.categories.choices import BY_CODE, CATEGORIES, NAMES, ROSTER_KINDS, SUB_PARENT
from npl.categories.models import LoanListEntry, ManualMembership, RosterEntry
from npl.categories.services import own_thresholds, threshold_on
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Borrower, Loan
from npl.org.models import District

LOAN_LIST_SUBS = ("impersonated", "bank_staff")
# A balance counts as live from half a cent: SQLite computes a settled loan's balance (snapshot less repayments)
# in floating point, and a residue of 1e-12 must not count it; the stored rows keep the balance in cents.
LIVE_FROM = Decimal("0.005")
LITIGATION_SUBS = ("borrower_sued_bank", "bank_sued_borrower")


def _in_force(qs, day):
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _borrowers_on(entries):
    return Borrower.objects.filter(id_hash__in=entries.values("person__id_hash")).values("pk")


def _scoped_roster(entries, scopes: list[tuple[int | None, int | None]]) -> Q | None:
    """Scoped entries apply only to the borrower's loans in their scope: (None, township) a township's loans,
    (district, None) a district's (categories.models.roster_applies, as conditions)."""
    q = None
    for district_id, town_id in scopes:
        # the scope test first: the database compares it before probing the set
        if town_id is not None:
            local = Q(township_id=town_id) & Q(borrower_id__in=_borrowers_on(entries.filter(township_id=town_id)))
        else:
            mine = entries.filter(township__isnull=True, district_id=district_id)
            local = Q(township__district_id=district_id) & Q(borrower_id__in=_borrowers_on(mine))
        q = local if q is None else q | local
    return q


def _named_rosters(day: dt.date, borrower_of: dict[str, int], only_district: int | None):
    """(roster kind → the condition holding the named loans' borrowers on that roster on `day`, kinds with none left
    out; roster kind → the scopes of their scoped entries, as `Rules.scoped` holds them). An entry without township
    whose district is none or the only one holds everywhere, else only the loans of the entry's township or
    district — `Rules.source`'s meaning, as lists of borrower ids."""
    everywhere: dict[str, set[int]] = {}
    by_scope: dict[str, dict[tuple[int | None, int | None], set[int]]] = {}
    if borrower_of:
        found = _in_force(RosterEntry.objects.filter(person__id_hash__texts=list(borrower_of)), day)
        for kind, district_id, town_id, h in found.values_list("kind", "district_id", "township_id", "person__id_hash").distinct().order_by():
            borrower = borrower_of[h]
            if town_id is not None:
                by_scope.setdefault(kind, {}).setdefault((None, town_id), set()).add(borrower)
            elif district_id is None or district_id == only_district:
                everywhere.setdefault(kind, set()).add(borrower)
            else:
                by_scope.setdefault(kind, {}).setdefault((district_id, None), set()).add(borrower)
    out: dict[str, Q] = {}
    for kind in everywhere.keys() | by_scope.keys():
        q = Q(borrower_id__ids=sorted(everywhere[kind])) if kind in everywhere else None
        for (district_id, town_id), borrowers in sorted(by_scope.get(kind, {}).items(), key=lambda s: (s[0][0] or 0, s[0][1] or 0)):
            where = Q(township_id=town_id) if town_id is not None else Q(township__district_id=district_id)
            q = _or(q, where & Q(borrower_id__ids=sorted(borrowers)))
        out[kind] = q
    return out, {kind: set(scopes) for kind, scopes in by_scope.items()}


def _or(a, b):
    if a is None:
        return b
    return a if b is None else a | b


def _and_not(a, b):
    if a is None or b is None:
        return a
    return a & ~b


class Rules:
    """The rules in force on one day, as pieces: the source of each leaf (a category without
    subcategories, or a subcategory) and the manual decisions that exist that day.

    compose() puts the pieces together the same way for Q objects (pages, scopes) and for SQL over
    precomputed flags (reports), so there is one definition of membership:
      leaf     = (source or manual add) and not manual remove (of the leaf or of its category)
      category = any of its subcategories, or (manual add and not manual remove) of the category
    """

    def __init__(self, day: dt.date, loan_ids=None):
        self.day = day
        # Named loans (a service, an import, one loan's page): every source is read for these loans only. Unnamed,
        # a roster condition hashes the whole roster's borrowers: the right plan over every loan, but 2 s for ONE
        # loan at 100,000 loans on PostgreSQL (its memberships refresh after every action on it).
        ids = sorted({int(i) for i in loan_ids}) if loan_ids is not None else []
        self.loan_ids = ids or None
        borrower_of = dict(
            (h, b) for b, h in Loan.objects.filter(pk__ids=ids).values_list("borrower_id", "borrower__id_hash") if h
        ) if ids else {}
        self.hashes = sorted(borrower_of) if ids else None
        self.threshold = threshold_on(day)  # the province default's, for the districts following it
        self.own_thresholds = own_thresholds(day)  # district id → its own, for the districts keeping their own
        # An entry of the only district holds every loan: it goes with the unscoped ones (no join to townships).
        only = District.only()
        self.only_district = only.pk if only is not None else None
        if ids:
            # Named loans: their borrowers on each roster, read here once, so each roster condition is a plain list
            # of borrower ids. As subqueries on the hashes, every chunk of 2,000 loans re-hashed the whole person
            # and borrower tables per roster kind, and a list of hashes in every condition cost more in the
            # driver's placeholder handling than the query (a 20,000-loan refresh: 41 s).
            self.named_rosters, scoped = _named_rosters(day, borrower_of, self.only_district)
        else:
            self.named_rosters, scoped = None, {}
            pairs = _in_force(RosterEntry.objects.exclude(township__isnull=True, district__isnull=True), day)
            for kind, district_id, town_id in pairs.values_list("kind", "district_id", "township_id").distinct().order_by():
                if town_id is not None:
                    scoped.setdefault(kind, set()).add((None, town_id))
                elif district_id != self.only_district:
                    scoped.setdefault(kind, set()).add((district_id, None))
        self.scoped = {kind: sorted(scopes, key=lambda s: (s[0] or 0, s[1] or 0)) for kind, scopes in scoped.items()}
        # Only the manual decisions that exist on the day become conditions (usually none).
        approved = _in_force(ManualMembership.objects.filter(status=ManualMembership.Status.APPROVED), day)
        self.manual = set(approved.values_list("code", "op").distinct().order_by())

    def source(self, code: str) -> Q | None:
        """Membership from the data itself; None for large_mortgage (it needs the balance)."""
        day = self.day
        if code in ROSTER_KINDS:
            if self.named_rosters is not None:
                return self.named_rosters.get(code)
            everywhere = Q(borrower_id__in=_borrowers_on(self.unscoped_roster_entries().filter(kind=code)))
            return _or(everywhere, self.scoped_source(code))
        if code in LOAN_LIST_SUBS:
            listed = _in_force(LoanListEntry.objects.filter(subcategory=code), day)
            return Q(pk__in=self._named(listed, "loan_id").values("loan_id"))
        if code in LITIGATION_SUBS:
            # Through the loans' reverse relation to their cases: categories sits below litigation.
            cases = Loan.objects.filter(litigation_cases__direction=code, litigation_cases__counted_from__lte=day)
            return Q(pk__in=self._named(cases, "pk").values("pk"))
        return None

    def _named(self, qs, key: str):
        """qs limited to the named loans' rows (by `key`, their loan id), or as it is when no loans are named."""
        return qs if self.loan_ids is None else qs.filter(**{f"{key}__ids": self.loan_ids})

    def roster_entries(self):
        """Roster entries in force on the day (for named loans: only their borrowers' entries)."""
        entries = _in_force(RosterEntry.objects.all(), self.day)
        return entries if self.hashes is None else entries.filter(person__id_hash__texts=self.hashes)

    def unscoped_roster_entries(self):
        """Entries in force on the day that hold every loan: no township, and no district or the only one."""
        entries = self.roster_entries().filter(township__isnull=True)
        if self.only_district is None:
            return entries.filter(district__isnull=True)
        return entries.filter(Q(district__isnull=True) | Q(district_id=self.only_district))

    def scoped_source(self, kind: str) -> Q | None:
        """The district- and township-scoped part of a roster kind's membership (None when it has none that day)."""
        towns = self.scoped.get(kind, [])
        return _scoped_roster(self.roster_entries().filter(kind=kind), towns) if towns else None

    def large_mortgage_q(self) -> Q:
        """A mortgage and a balance at or above the threshold of the loan's district (its own or the default's)."""
        if not self.own_thresholds:
            return Q(has_mortgage=True, **{f"{BALANCE}__gte": self.threshold})
        by_value: dict = {}
        for district_id, value in self.own_thresholds.items():
            by_value.setdefault(value, []).append(district_id)
        q = ~Q(township__district_id__in=list(self.own_thresholds)) & Q(**{f"{BALANCE}__gte": self.threshold})
        for value, districts in by_value.items():
            q |= Q(township__district_id__in=districts, **{f"{BALANCE}__gte": value})
        return Q(has_mortgage=True) & q

    def manual_q(self, code: str, op: str) -> Q | None:
        if (code, op) not in self.manual:
            return None
        ids = _in_force(
            ManualMembership.objects.filter(code=code, op=op, status=ManualMembership.Status.APPROVED), self.day
        )
        return Q(pk__in=self._named(ids, "loan_id").values("loan_id"))

    @staticmethod
    def leaves() -> list[tuple[str, str | None]]:
        """(leaf code, its category or None) in DOMAIN order."""
        out = []
        for cat in CATEGORIES:
            if cat.subcategories:
                out.extend((s.code, cat.code) for s in cat.subcategories)
            else:
                out.append((cat.code, None))
        return out

    def compose(self, atom) -> dict:
        """code → composed condition; atom(kind, code) gives a piece ("source", "add", "remove") or None."""
        out = {}
        for cat in CATEGORIES:
            removed = atom("remove", cat.code)
            if cat.subcategories:
                any_sub = None
                for sub in cat.subcategories:
                    leaf = _or(atom("source", sub.code), atom("add", sub.code))
                    leaf = _and_not(_and_not(leaf, atom("remove", sub.code)), removed)
                    out[sub.code] = leaf
                    any_sub = _or(any_sub, leaf)
                out[cat.code] = _or(any_sub, _and_not(atom("add", cat.code), removed))
            else:
                leaf = _or(atom("source", cat.code), atom("add", cat.code))
                out[cat.code] = _and_not(leaf, removed)
        return out


def conditions(day: dt.date, codes=None, rules: Rules | None = None, *, loan_ids=None) -> dict[str, Q]:
    """code → condition on a queryset annotated by with_balance(…, day), for every category and
    subcategory (or just `codes`). A loan in two subcategories satisfies its category once. With `loan_ids`
    the conditions hold only for those loans' rows (`Rules(day, loan_ids)`): apply them to those loans only."""
    rules = rules or Rules(day, loan_ids)

    def atom(kind, code):
        if kind == "source":
            return rules.large_mortgage_q() if code == "large_mortgage" else rules.source(code)
        return rules.manual_q(code, kind)

    out = {code: (q if q is not None else Q(pk__in=[])) for code, q in rules.compose(atom).items()}
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
    return qs.filter(**{f"{BALANCE}__gte": LIVE_FROM}) if live else qs.filter(**{f"{BALANCE}__isnull": False})


def loan_ids_in(code: str, day: dt.date) -> QuerySet:
    """Primary keys of the loans in `code` on `day` (existing, balance > 0), usable as `pk__in=`."""
    return loans_in(code, day).order_by().values("pk")


def loan_categories(loan: Loan, day: dt.date | None = None) -> list[tuple[str, str]]:
    """(code, Chinese name) of every category and subcategory the loan is in on `day`, in DOMAIN order."""
    from django.utils import timezone

    day = day or timezone.localdate()
    return loan_categories_many([loan.pk], day).get(loan.pk, [])


def loan_categories_many(loan_ids, day: dt.date) -> dict[int, list[tuple[str, str]]]:
    """loan pk → (code, Chinese name) of its categories and subcategories on `day`, in DOMAIN order.

    One query for all the loans (the same conditions as every report, as flags); a loan that does not
    exist on the day (no balance) maps to an empty list, an unknown pk is left out.
    """
    return {pk: cats for pk, (_, cats) in loan_categories_and_balances(loan_ids, day).items()}


def loan_categories_and_balances(loan_ids, day: dt.date) -> dict[int, tuple]:
    """loan pk → (principal balance on `day` or None when the loan did not exist then, its categories as in
    loan_categories_many): one query, for a page that also hands them to the advice facts."""
    ids = list(loan_ids)
    if not ids:
        return {}
    conds = conditions(day, loan_ids=ids)
    flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
    rows = with_balance(Loan.objects.filter(pk__ids=ids), day).annotate(**flags).values("pk", BALANCE, *flags)
    order = [c for cat in CATEGORIES for c in (cat.code, *(s.code for s in cat.subcategories))]
    out = {}
    for row in rows:
        balance = row[BALANCE]
        out[row["pk"]] = (balance, [] if balance is None else [(code, NAMES[code]) for code in order if row[f"c_{code}"]])
    return out
