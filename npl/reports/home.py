"""Figures for the home page of each role, all read through Loan.objects.for_user(user)."""
from django.db.models import Count, Sum
from django.utils import timezone

from npl.accounts.choices import Role
from npl.core.money import ZERO, fmt_wan
from npl.litigation.choices import Stage
from npl.litigation.models import LitigationCase
from npl.loans.models import Loan
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


def totals(qs) -> dict:
    """笔数, 户数 and 本金余额 (元, and 万元 rounded after summing) of a loan queryset."""
    row = qs.aggregate(loans=Count("pk"), borrowers=Count("borrower", distinct=True), balance=Sum("principal_balance"))
    balance = row["balance"] or ZERO
    return {"loans": row["loans"], "borrowers": row["borrowers"], "balance": balance, "balance_wan": fmt_wan(balance)}


def breakdown(qs, field: str, label: str) -> list[dict]:
    """Per-unit rows (township, community…) with the same figures as `totals`, by name."""
    rows = (
        qs.values(field, label)
        .annotate(loans=Count("pk"), borrowers=Count("borrower", distinct=True), balance=Sum("principal_balance"))
        .order_by(label)
    )
    return [
        {
            "id": r[field],
            "name": r[label] or "（未填）",
            "loans": r["loans"],
            "borrowers": r["borrowers"],
            "balance_wan": fmt_wan(r["balance"] or ZERO),
            "_balance": r["balance"] or ZERO,
        }
        for r in rows
    ]


def dashboard(user) -> dict:
    """The template name and figures of `user`'s home page."""
    qs = Loan.objects.for_user(user)
    today = timezone.localdate()
    ctx = {"today": today, "totals": totals(qs)}
    if user.is_region_wide:
        # 市/省金融办: its districts ranked by principal balance, each a read-only way into that district's loans.
        ctx["kind"] = "region"
        rows = breakdown(qs, "township__district_id", "township__district__name")
        rows.sort(key=lambda r: (-r["_balance"], r["name"]))
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
        ctx["rows"] = rows
        return ctx
    if user.is_district_wide:
        ctx["kind"] = "district"
        ctx["rows"] = breakdown(qs, "township_id", "township__name")
        ctx.update(_district_board(user, qs))
        return ctx
    role = user.role
    if role == Role.TOWNSHIP_ADMIN:
        ctx["kind"] = "township"
        ctx["rows"] = breakdown(qs, "community_id", "community__name")
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
        ctx["rows"] = breakdown(qs, "township_id", "township__name")
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

    return {"categories": categories(user, township=user.township), "statuses": by_status(qs), "clocks": clock_counts(user, qs),
            "broken": broken_promises(qs), "pending": pending_approvals(qs)}
