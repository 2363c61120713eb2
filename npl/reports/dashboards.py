"""Home-page dashboards per role (reports.home calls these): every figure from Loan.objects.for_user(user).

Heavy aggregates are read from the daily snapshots (township ranking, trend) or from today's stored derived rows
(issue 16): the clocks at risk from the clocks' stored totals or `LoanClock` rows (which keep each loan's balance), the nine categories from the
`Membership` rows, both chosen by the rows' own township when the scope is whole townships. Before those rows
answer for today (midnight to the sweep) the clocks are computed and cached a few minutes per scope and day.
"""
import datetime as dt
from collections import Counter

from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone

from npl.collection.clocks import STATUS_LABELS
from npl.core.money import fmt_wan, percent
from npl.loans.balances import BALANCE, with_balance
from npl.loans.choices import LoanStatus
from npl.reports.models import DailyFigure
from npl.reports.snapshots import AT_RISK

CACHE_SECONDS = 600
TREND_DAYS = 90



def by_status(qs, user=None) -> list[dict]:
    """(state, label, count) of a loan queryset, in the states' order. Given the `user` whose loans `qs` holds, from
    the ledger's stored totals when that person sees whole units (`loans.totals.for_user`): no count of the loans."""
    from npl.loans import totals

    labels = dict(LoanStatus.choices)
    stored = totals.for_user(user) if user is not None else None
    if stored is not None:
        rows = [{"status": r["status"], "n": int(r["n"])}
                for r in stored.values("status").annotate(n=Sum("loans")).order_by("status") if r["n"]]
    else:
        rows = qs.values("status").annotate(n=Count("pk")).order_by("status")
    return [{"status": r["status"], "label": labels.get(r["status"], r["status"]), "count": r["n"]} for r in rows]

def trend_points(campaign, days: int = TREND_DAYS) -> list[list[str]]:
    """[[day, district recovery rate], …] over the last `days` snapshot days of the campaign."""
    last = DailyFigure.objects.filter(campaign=campaign).order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return []
    rows = (
        DailyFigure.objects.filter(campaign=campaign, day__gt=last - dt.timedelta(days=days))
        .values("day").annotate(t=Sum("task_amount"), c=Sum("collected_amount")).order_by("day")
    )
    return [[r["day"].isoformat(), f"{percent(r['c'] or 0, r['t'] or 0):.2f}"] for r in rows]


def township_trend_points(campaign, township_id: int, days: int = TREND_DAYS) -> list[list[str]]:
    """[[day, the township's recovery rate], …] over the same snapshot days as `trend_points`."""
    last = DailyFigure.objects.filter(campaign=campaign).order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return []
    rows = DailyFigure.objects.filter(campaign=campaign, township_id=township_id, day__gt=last - dt.timedelta(days=days)).order_by("day")
    return [[r.day.isoformat(), f"{percent(r.collected_amount, r.task_amount):.2f}"] for r in rows]


def ranking(campaign, towns=None) -> tuple[dt.date | None, list[dict]]:
    """(snapshot day, rows) of the campaign's latest snapshot, best recovery rate first (ties: amount)."""
    qs = DailyFigure.objects.filter(campaign=campaign)
    if towns is not None:
        qs = qs.filter(township_id__in=towns)
    day = qs.order_by("-day").values_list("day", flat=True).first()
    if day is None:
        return None, []
    rows = []
    for f in qs.filter(day=day).select_related("township"):
        rate = percent(f.collected_amount, f.task_amount)
        rows.append({
            "township_id": f.township_id, "township": f.township.name, "task_count": f.task_count,
            "task_wan": fmt_wan(f.task_amount), "collected_wan": fmt_wan(f.collected_amount), "rate": rate,
            "today_wan": fmt_wan(f.collected_today), "clocks_at_risk": f.clocks_at_risk, "_amount": f.collected_amount,
        })
    rows.sort(key=lambda r: (r["task_count"] == 0, -r["rate"], -r["_amount"], r["township"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return day, rows


def _scope_key(user) -> str:
    if user.is_superuser:
        return "all"
    if user.is_region_wide:
        return f"region:{user.region_id}"
    if user.is_district_wide:
        return f"district:{user.district_id}"
    return f"{user.role}:{user.township_id or user.branch_id or user.pk}"


def clock_counts(user, qs) -> list[dict]:
    """[{status, label, count}] of the at-risk clock statuses over `qs` (the user's loans: `Loan.objects.for_user(user)`)
    with a balance today. Today's stored clocks are counted in one grouped query over their rows, which carry the
    balance and the township (no loan joined for a township-shaped scope); before they answer for today (after
    midnight, before the sweep) the clocks are computed, and cached a few minutes per scope and day."""
    from npl.collection.clocks.store import stored_for

    today = timezone.localdate()
    if stored_for(today):
        counts = stored_clock_counts(user, qs)
    else:
        key = f"reports:clocks:{_scope_key(user)}:{today.isoformat()}"
        counts = cache.get(key)
        if counts is None:
            counts = computed_clock_counts(qs, today)
            cache.set(key, counts, CACHE_SECONDS)
    return [{"status": s, "label": STATUS_LABELS[s], "count": counts.get(s, 0)} for s in AT_RISK]


def stored_clock_counts(user, qs) -> dict[str, int]:
    """status → loans of `qs` (the user's loans) with a balance today, for the at-risk statuses, from today's
    stored clocks: the stored totals (`collection.clocks.totals`, a few rows per township) when the scope is whole
    townships, else the scope's `LoanClock` rows (issue 16: the balance expression over every loan was most of the
    district home, and a count of every clock row grows with the portfolio)."""
    from npl.collection.clocks import totals
    from npl.collection.models import LoanClock

    stored = totals.for_user(user)
    if stored is not None:
        found = stored.filter(status__in=AT_RISK, live=True).order_by().values_list("status").annotate(n=Sum("loans"))
        return {status: int(n) for status, n in found if n}
    rows = LoanClock.objects.filter(status__in=AT_RISK, balance__gt=0, loan__in=qs.order_by().values("pk"))
    # COUNT(*): the partial index clock_status_town answers it alone (the rows are wide: their JSON).
    return dict(rows.order_by().values_list("status").annotate(n=Count("*")))


def computed_clock_counts(qs, day: dt.date) -> dict[str, int]:
    """status → loans of `qs` with a balance on `day`, every status, each clock computed (any day)."""
    from npl.collection.clocks import compute_clocks

    loans = with_balance(qs, day).filter(**{f"{BALANCE}__gt": 0})
    return dict(Counter(clock.status for _, clock in compute_clocks(loans, day)))


def categories(user, township=None) -> list[dict]:
    """The nine categories (笔, 万元) of what the user sees today, subcategories beside, in DOMAIN order."""
    from npl.categories.reports import category_report

    report = category_report(township=township, user=user, households=False)
    return report["categories"]


def broken_promises(qs, days: int = 30) -> list:
    """Promises (承诺还款) broken within the last `days`, newest first, on the loans of `qs`."""
    from npl.collection.choices import PromiseStatus
    from npl.collection.models import CollectionAction

    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        CollectionAction.objects.filter(loan__in=qs, promise_status=PromiseStatus.BROKEN, promise_closed_on__gte=since)
        .select_related("loan", "loan__borrower").order_by("-promise_closed_on", "-pk")[:20]
    )


def pending_approvals(qs) -> list[tuple[str, int, str]]:
    """(what, how many, where) waiting for the township admin: repayment plans, category changes."""
    from npl.categories.models import ManualMembership
    from npl.collection.choices import PlanStatus
    from npl.collection.models import RepaymentPlan

    plans = RepaymentPlan.objects.filter(loan__in=qs, status=PlanStatus.SUBMITTED).count()
    manual = ManualMembership.objects.filter(loan__in=qs, status=ManualMembership.Status.PENDING).count()
    return [("待审批还款计划", plans, "/collection/plans/pending/"), ("待审批类别调整", manual, "/categories/manual/")]


def worklist(user, limit: int = 15) -> tuple[str, list]:
    """("advice", WorkItems) from npl.advice when it is there; else ("fallback", loans) — the collector's
    loans whose clock is at risk or which have an open promise, most urgent first."""
    try:
        from npl.advice.services import today as advice_today  # lazy: advice is built beside reports
    except ImportError:
        advice_today = None
    if advice_today is not None:
        return "advice", advice_today(user)[:limit]
    return "fallback", _fallback_worklist(user, limit)


def _fallback_worklist(user, limit: int) -> list[dict]:
    from npl.collection.choices import PromiseStatus
    from npl.collection.clocks import compute_clocks
    from npl.collection.models import CollectionAction
    from npl.loans.models import Loan

    today = timezone.localdate()
    qs = with_balance(Loan.objects.for_user(user), today).filter(**{f"{BALANCE}__gt": 0})
    promises = {
        r["loan_id"]: r["n"]
        for r in CollectionAction.objects.filter(loan__in=qs, promise_date__isnull=False, promise_status__in=("", PromiseStatus.OPEN))
        .values("loan_id").annotate(n=Count("pk"))
    }
    items = []
    for loan, clock in compute_clocks(qs, today):
        if clock.status in AT_RISK or loan.pk in promises:
            items.append({"loan": loan, "clock": clock, "open_promises": promises.get(loan.pk, 0),
                          "_order": (AT_RISK.index(clock.status) if clock.status in AT_RISK else 9, clock.deadline or today)})
    items.sort(key=lambda i: i["_order"])
    return items[:limit]


def branch_pending(user, qs) -> list[tuple[str, int, str]]:
    """(what, how many, where) waiting for a branch clerk: field repayments to confirm, waivers they may approve."""
    from npl.collection.models import Repayment
    from npl.waivers.choices import RequestStatus
    from npl.waivers.models import WaiverRequest
    from npl.waivers.services import may_decide

    repayments = Repayment.objects.filter(loan__in=qs, confirmed=False, refused_at__isnull=True).count()
    # The checker rule itself (amount within the branch limit, never one's own, in scope) decides each request.
    asked = WaiverRequest.objects.for_user(user).filter(status=RequestStatus.SUBMITTED).select_related("tier__version")
    waivers = sum(1 for req in asked if not may_decide(req, user))
    return [("待确认还款", repayments, "/collection/repayments/pending/"), ("可审批的减免申请", waivers, "/waivers/requests/")]


def branch_board(user) -> dict:
    """A branch clerk's home-page extras: its loans by state (for the chart's links) and its pending work."""
    from npl.loans.models import Loan

    qs = Loan.objects.for_user(user)
    return {"statuses": by_status(qs), "pending": branch_pending(user, qs)}
