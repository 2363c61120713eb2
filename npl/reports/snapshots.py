"""Daily snapshots (每日快照): one row per campaign, township and day, computed "as of" that day.

A day already taken is never rewritten: that is what keeps every past bulletin's figures still when a
repayment dated in that week is imported later. `npl bulletin snapshot` runs it every day after the
bank's imports (cron); `backfill` fills a range of past days, each computed from the dated data as of
that day (balances, repayments, ledger lines, promises, clocks and category memberships on the day).
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from npl.campaigns.figures import campaign_figures, collected_repayments, task_loans
from npl.campaigns.models import Campaign
from npl.collection.choices import PromiseStatus
from npl.collection.models import CollectionAction
from npl.core.money import ZERO, fmt_yuan
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan
from npl.org.models import District, Township
from npl.reports.models import DailyFigure

AT_RISK = ("lapsed", "due_1m", "due_3m", "due_6m")  # the clock page's alert groups (collection.views)


def active_campaigns(day: dt.date):
    """Campaigns running on `day`: baseline on or before it, not yet ended."""
    return Campaign.objects.filter(baseline__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)).order_by("pk")


def campaign_townships(campaign: Campaign) -> list[Township]:
    """The townships a campaign's bulletin ranks: its own township, or every township of the district."""
    if campaign.township_id:
        return [campaign.township]
    district_id = campaign.district_id or District.current().pk
    return list(Township.objects.filter(district_id=district_id).order_by("name"))


def promises_due_on(day: dt.date):
    """Promises (承诺还款) falling due on `day` that were not kept by the end of that day."""
    kept = Q(promise_status=PromiseStatus.KEPT) & (Q(promise_closed_on__isnull=True) | Q(promise_closed_on__lte=day))
    return CollectionAction.objects.filter(promise_date=day).exclude(kept)


def _by_town(qs, value=None) -> dict:
    """township id → a count (or a sum of `value`) over rows of a CollectionAction/Repayment queryset."""
    agg = Sum(value) if value else Count("pk")
    return {r["loan__township_id"]: r["v"] for r in qs.order_by().values("loan__township_id").annotate(v=agg)}


def _clock_counts(town_ids: list[int], day: dt.date) -> dict[int, dict[str, int]]:
    """township id → {clock status: loans} over the loans with a balance on `day` (settled ones need no clock)."""
    from npl.collection.clocks import compute_clocks
    from npl.collection.clocks.store import stored_for

    loans = with_balance(Loan.objects.filter(township_id__in=town_ids), day).filter(**{f"{BALANCE}__gt": 0})
    out = defaultdict(lambda: defaultdict(int))
    if stored_for(day):  # today: the stored clocks, counted in SQL (issue 16)
        for r in loans.order_by().values("township_id", "clock__status").annotate(n=Count("pk")):
            out[r["township_id"]][r["clock__status"]] = r["n"]
        return out
    for loan, clock in compute_clocks(loans, day):
        out[loan.township_id][clock.status] += 1
    return out


def clock_counts_on_days(town_ids, days) -> dict[dt.date, dict[int, dict[str, int]]]:
    """_clock_counts of several past days at once (each loan's facts read once): day → township → status → loans.
    Every township of `town_ids` is counted; a caller takes the ones it writes."""
    from npl.collection.clocks.gather import status_counts_on_days

    return status_counts_on_days(Loan.objects.filter(township_id__in=list(town_ids)), days)


def _categories(town: Township, day: dt.date) -> dict:
    """类别代码 → [笔数, 本金余额 (元, string)] for the township's loans on `day`."""
    from npl.categories.reports import category_figures

    figs = category_figures(Loan.objects.filter(township=town), day)
    return {code: [f["count"], fmt_yuan(f["amount"])] for code, f in figs.items()}


def compute_day(campaign: Campaign, day: dt.date, towns: list[Township], clocks=None) -> list[DailyFigure]:
    """The unsaved rows of `day` for `towns`, every figure as of that day. `clocks`: township id → {status: loans}
    on the day when the caller counted them already (a back-fill, `clock_counts_on_days`)."""
    ids = [t.pk for t in towns]
    figs = campaign_figures(campaign, day, group="township")
    task = task_loans(campaign, day)
    today = _by_town(collected_repayments(campaign, day, task).filter(paid_on=day), "principal")
    town_loans = Q(loan__township_id__in=ids)
    actions = _by_town(CollectionAction.objects.filter(town_loans, acted_on=day))
    promises = _by_town(promises_due_on(day).filter(town_loans))
    clocks = _clock_counts(ids, day) if clocks is None else clocks
    rows = []
    for town in towns:
        f = figs.get(town.pk)
        statuses = dict(clocks.get(town.pk, {}))
        rows.append(DailyFigure(
            campaign=campaign, township=town, day=day,
            task_count=f["task_count"] if f else 0,
            task_amount=f["task_amount"] if f else ZERO,
            collected_count=f["collected_count"] if f else 0,
            collected_amount=f["collected_amount"] if f else ZERO,
            collected_interest=f["interest_collected"] if f else ZERO,
            collected_today=Decimal(today.get(town.pk) or 0).quantize(Decimal("0.01")),
            actions_today=actions.get(town.pk, 0),
            promises_due=promises.get(town.pk, 0),
            clocks_at_risk=sum(n for s, n in statuses.items() if s in AT_RISK),
            clocks=statuses,
            loans_in_category=_categories(town, day),
        ))
    return rows
