"""Unit scope: the one place that decides which loans a person may reach (DOMAIN.md, 'Who uses it').

The liaisons' scopes read what the apps above store, through the reverse relations of the Loan queryset
(no import of those apps): a loan's stored category memberships (`categories.Membership`, kept current by
npl.core.derived, live when the balance is > 0) and its litigation cases.
"""
from django.http import Http404

from npl.accounts.choices import Role


def loan_scope(qs, user):
    """Filter a Loan queryset to what `user` may see; unknown or inactive users see nothing."""
    scoped = unit_scope(qs, user)
    if scoped is not None:
        return scoped
    qs = qs.filter(township__district_id=user.district_id)
    role = user.role
    if role == Role.COLLECTOR:
        return qs.filter(responsible_person_id=user.pk)
    if role == Role.COURT_LIAISON:
        # Any loan with a case: a subquery, so a loan with two cases is not listed twice.
        return qs.filter(pk__in=qs.model._base_manager.filter(litigation_cases__isnull=False).values("pk"))
    # Today's stored membership (one row per loan and code: the join adds no duplicates).
    code = "lost_contact" if role == Role.POLICE_LIAISON else "public_servant"
    return qs.filter(memberships__code=code, memberships__balance__gt=0)


# Roles whose scope is finer than a unit: their loans, not whole townships or branches.
FINER_THAN_A_UNIT = (Role.COLLECTOR, Role.COURT_LIAISON, Role.POLICE_LIAISON, Role.DISCIPLINE_LIAISON)


def unit_scope(qs, user):
    """The scope of a person who sees whole units (superuser, region office, district roles, township admin,
    branch staff) on any queryset whose rows name a `township` and a `branch` — the loans, or their stored
    totals (`loans.LoanTotal`); None for a finer scope (a collector's loans, a liaison's: `loan_scope` says it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    # The tenant boundary: a city/province office reads its region's districts; everyone else their own district.
    if user.is_region_wide:
        return qs.filter(township__district__in=user.region.districts()) if user.region_id else qs.none()
    if not user.district_id:
        return qs.none()
    if user.is_district_wide:
        return qs.filter(township__district_id=user.district_id)
    role = user.role
    if role == Role.TOWNSHIP_ADMIN:
        return qs.filter(township__district_id=user.district_id, township_id=user.township_id) \
            if user.township_id else qs.none()
    if role == Role.BRANCH_STAFF:
        return qs.filter(township__district_id=user.district_id, branch_id=user.branch_id) \
            if user.branch_id else qs.none()
    if role in FINER_THAN_A_UNIT:
        return None
    return qs.none()


def township_scope(user) -> dict | None:
    """The same scope as `loan_scope` for a person whose loans are exactly those of some townships, as filters on
    a row that carries its loan's township (stored derived rows denormalise it: a clock, a membership), so a
    count over those rows needs no join of the loans; None for the scopes that are not whole townships
    (a collector, a branch, the liaisons) and for those who see nothing: the caller filters by their loans."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return {}
    if user.is_region_wide:
        return {"township__district__in": user.region.districts()} if user.region_id else None
    if not user.district_id:
        return None
    if user.is_district_wide:
        return {"township__district_id": user.district_id}
    if user.role == Role.TOWNSHIP_ADMIN and user.township_id:
        # loan_scope asks for the district too; a township admin's township is in their district (User.clean).
        return {"township_id": user.township_id, "township__district_id": user.district_id}
    return None


def region_districts(user) -> list:
    """The districts of a 市/省金融办's region, by name (a superuser: every district); anyone else (district roles,
    outsiders): 404."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        from npl.org.models import District  # org sits below accounts

        return list(District.objects.order_by("name"))
    if not (user.is_authenticated and user.is_active and user.is_region_wide and user.region_id):
        raise Http404("页面不存在")
    return list(user.region.districts().order_by("name"))


def region_district(user, raw: str | None):
    """The district a region office asked for (?district=<id>) among its own: None when not asked (or asked by
    someone below the region: their scope already holds them to their district); a district outside the region
    (or not a number) is a 404, the answer for one that does not exist."""
    raw = (raw or "").strip()
    if not raw or not getattr(user, "is_region_wide", False):
        return None
    found = [d for d in region_districts(user) if str(d.pk) == raw]
    if not found:
        raise Http404("区不存在")
    return found[0]
