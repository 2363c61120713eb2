"""Figures for the home page of each role, all read through Loan.objects.for_user(user)."""
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core.money import ZERO, fmt_wan
from npl.litigation.choices import Stage
from npl.litigation.models import LitigationCase
from npl.loans import households
from npl.loans import totals as loan_totals
from npl.loans.models import HouseholdLevel as Level
from npl.loans.models import Loan
from npl.org.models import Community
from npl.reports.bulletins import default_campaign
from npl.reports.dashboards import (
    broken_promises,
    by_status,
    categories,
    clock_counts,
    pending_approvals,
    ranking,
    worklist,
)

COLLECTOR_TOP = 5  # today's items on a collector's home; the rest are one tap away on 今日建议
LIAISON_TOP = 20  # loans on a police or discipline liaison's home; the rest are on the loan ledger


def totals(qs, user=None) -> dict:
    """笔数, 户数 and 本金余额 (元, and 万元 rounded after summing) of a loan queryset. For `user`'s whole scope
    when it is whole units (`loans.households.scope_unit`): read from the stored rows (the loans' totals, the
    unit's households), the same figures without counting distinct borrowers over every loan."""
    unit = households.scope_unit(user)
    if unit is not None:
        row = loan_totals.for_user(user).aggregate(loans=Coalesce(Sum("loans"), 0), balance=Sum("balance"))
        row["borrowers"] = households.count(*unit)
    else:
        row = qs.aggregate(loans=Count("pk"), borrowers=Count("borrower", distinct=True),
                           balance=Sum("principal_balance"))
    balance = row["balance"] or ZERO
    return {"loans": int(row["loans"]), "borrowers": row["borrowers"], "balance": balance,
            "balance_wan": fmt_wan(balance)}


def breakdown(qs, field: str, label: str, user=None) -> list[dict]:
    """Per-unit rows (township, community…) with the same figures as `totals`, by name (from the stored rows
    for `user`'s whole-unit scope, as `totals`)."""
    rows = _stored_breakdown(user, field) if user is not None else None
    if rows is None:
        rows = (
            qs.values(field, label)
            .annotate(loans=Count("pk"), borrowers=Count("borrower", distinct=True), balance=Sum("principal_balance"))
            .order_by(label)
        )
    return [
        {
            "id": r[field],
            "name": r[label] or "（未填）",
            "loans": int(r["loans"]),
            "borrowers": r["borrowers"],
            "balance_wan": fmt_wan(r["balance"] or ZERO),
            "_balance": r["balance"] or ZERO,
        }
        for r in rows
    ]


def _stored_breakdown(user, field: str) -> list[dict] | None:
    """`breakdown`'s rows from the loans' stored totals grouped by the unit (in the same order: by name in the
    database) and each unit's stored households; None when the scope is not whole units."""
    unit = households.scope_unit(user)
    # A unit's households are the scope's only when the scope holds whole units of that kind (a village's: the
    # township admin's; a district's: a district or wider); a branch's townships have their own level.
    whole = {"community_id": (Level.TOWNSHIP,), "township__district_id": (Level.ALL, Level.REGION, Level.DISTRICT)}
    if unit is None or unit[0] not in whole.get(field, (unit[0],)):
        return None
    stored = loan_totals.for_user(user)
    if field == "community_id":  # the totals keep the village as an id (0: none); its name by a subquery
        stored = stored.annotate(village_name=Subquery(
            Community.objects.filter(pk=OuterRef("community_key")).values("name")[:1]))
        group, label = "community_key", "village_name"
    else:
        group, label = field, field.removesuffix("_id") + "__name"
    rows = list(stored.values(group, label).annotate(loans=Sum("loans"), balance=Sum("balance")).order_by(label))
    ids = [r[group] for r in rows]
    if field == "township__district_id":
        found = households.counts(Level.DISTRICT, units=ids)
    elif field == "community_id":
        found = households.counts(Level.COMMUNITY, sub=unit[1])
    elif unit[0] == Level.BRANCH:  # the branch clerk's townships: the branch's loans in each
        found = households.counts(Level.BRANCH_TOWNSHIP, units=[unit[1]], by="sub")
    else:
        found = households.counts(Level.TOWNSHIP, units=ids)
    if field == "community_id":
        rows = [{**r, field: r[group] or None, "community__name": r[label]} for r in rows]
    return [{**r, "borrowers": found.get(r[group], 0)} for r in rows]


def dashboard(user) -> dict:
    """The template name and figures of `user`'s home page."""
    qs = Loan.objects.for_user(user)
    today = timezone.localdate()
    ctx = {"today": today, "totals": totals(qs, user)}
    if user.is_region_wide:
        # 市/省金融办: its districts ranked by principal balance, each a read-only way into that district's loans.
        ctx["kind"] = "region"
        rows = breakdown(qs, "township__district_id", "township__district__name", user)
        rows.sort(key=lambda r: (-r["_balance"], r["name"]))
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
        ctx["rows"] = rows
        return ctx
    if user.is_district_wide:
        ctx["kind"] = "district"
        ctx["rows"] = breakdown(qs, "township_id", "township__name", user)
        ctx.update(_district_board(user, qs))
        return ctx
    role = user.role
    if role == Role.TOWNSHIP_ADMIN:
        ctx["kind"] = "township"
        ctx["rows"] = breakdown(qs, "community_id", "community__name", user)
        ctx.update(_township_board(user, qs))
    elif role == Role.COLLECTOR:
        ctx["kind"] = "collector"
        ctx["statuses"] = by_status(qs)
        # Lazy: the dashboards live in reports, an app above accounts; advice's worklist is read through it.

        # A phone's three screens: the top of today's list, then the way to the rest (the list, the loans).
        ctx["worklist_source"], items = worklist(user, limit=COLLECTOR_TOP + 1)
        ctx["worklist"], ctx["worklist_more"] = items[:COLLECTOR_TOP], len(items) > COLLECTOR_TOP
    elif role == Role.BRANCH_STAFF:
        ctx["kind"] = "branch"
        ctx["rows"] = breakdown(qs, "township_id", "township__name", user)
    elif role == Role.COURT_LIAISON:

        cases = LitigationCase.objects.filter(loan__in=qs)
        ctx["kind"] = "court"
        ctx["case_count"] = cases.count()
        ctx["stages"] = _stage_counts(cases)
    elif role in (Role.POLICE_LIAISON, Role.DISCIPLINE_LIAISON):
        ctx["kind"] = "police" if role == Role.POLICE_LIAISON else "discipline"
        # The largest first, a screenful: the whole list is the loan ledger (the same scope), one tap away.
        ctx["listed"] = qs.select_related("borrower", "township").order_by("-principal_balance", "loan_no")[:LIAISON_TOP]
    else:
        ctx["kind"] = "none"
    return ctx


def _stage_counts(cases) -> list[tuple[str, int]]:
    """(stage label, number of cases) for the court liaison's home page."""

    labels = dict(Stage.choices)
    rows = cases.values("stage").annotate(n=Count("pk")).order_by("stage")
    return [(labels.get(r["stage"], r["stage"]), r["n"]) for r in rows]


def _district_board(user, qs) -> dict:
    """District admin/leader: township ranking (latest snapshot), the nine categories, the trend, clocks at risk."""

    campaign = default_campaign(district=None if user.is_superuser else user.district)
    day, ranked = ranking(campaign) if campaign else (None, [])
    return {"campaign": campaign, "snapshot_day": day, "ranking": ranked, "categories": categories(user),
            "clocks": clock_counts(user, qs), "calendar_missing": _calendar_missing(user)}


def _calendar_missing(user) -> list[int]:
    """Years (this one; from 1 November also next) with no holiday schedule: the district admin must enter them."""
    from npl.core.workdays import load_calendar, missing_years, years_to_check

    if user.role != Role.DISTRICT_ADMIN:
        return []
    return missing_years(years_to_check(timezone.localdate()), load_calendar(user.district_id))


def _township_board(user, qs) -> dict:
    """Township admin: its loans by category and by state, its alerts (clocks, broken promises, approvals)."""

    return {"categories": categories(user, township=user.township), "statuses": by_status(qs, user),
            "clocks": clock_counts(user, qs),
            "broken": broken_promises(qs), "pending": pending_approvals(qs)}
