"""The reports' verbs: take a day's snapshot, back-fill past days, publish a bulletin (区金融办 only)."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from npl.campaigns.models import Campaign
from npl.reports.models import DailyFigure
from npl.reports.snapshots import active_campaigns, campaign_townships, compute_day

DEMO_WEEKS = 6  # each back-filled day of the 3,000-loan demo costs about half a second (the clocks)


def take_snapshot(day: dt.date | None = None, campaign: Campaign | None = None, *, backfilled: bool = False,
                  clocks=None) -> int:
    """Write the missing snapshot rows of `day` (default yesterday) for every active campaign; rows already
    there are left as they are. Returns the number of rows written. A future day is refused. `clocks`: the day's
    clock counts per township when the caller counted them (`backfill`)."""
    today = timezone.localdate()
    day = day or today - dt.timedelta(days=1)
    if day > today:
        raise ValueError(f"不能为未来日期（{day}）生成快照")
    written = 0
    campaigns = [campaign] if campaign is not None else list(active_campaigns(day))
    for c in campaigns:
        towns = campaign_townships(c)
        have = set(DailyFigure.objects.filter(campaign=c, day=day).values_list("township_id", flat=True))
        missing = [t for t in towns if t.pk not in have]
        if not missing:
            continue
        with transaction.atomic():
            rows = compute_day(c, day, missing, clocks=None if clocks is None else {t.pk: clocks.get(t.pk, {}) for t in missing})
            for r in rows:
                r.backfilled = backfilled
            # Another run may have written the same day meanwhile: its rows win, ours are dropped.
            DailyFigure.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
    return written


def backfill(start: dt.date, end: dt.date, campaign: Campaign | None = None, *, out=None) -> int:
    """Snapshots of every day from `start` to `end` (both included, not past today), each as of its day."""
    end = min(end, timezone.localdate())
    counted = _past_clock_counts(start, end, campaign)
    written, day = 0, start
    while day <= end:
        n = take_snapshot(day, campaign, backfilled=True, clocks=counted.get(day))
        written += n
        if out is not None and n:
            out(f"  {day}：{n}行")
        day += dt.timedelta(days=1)
    return written


def _past_clock_counts(start: dt.date, end: dt.date, campaign: Campaign | None) -> dict:
    """The clock counts of the days from `start` to `end` that have rows to write, counted together (each loan's
    facts read once, not once a day); today's are left to the stored clocks (`snapshots._clock_counts`)."""
    from npl.collection.clocks.store import stored_for
    from npl.reports.snapshots import clock_counts_on_days

    towns, days, day = set(), [], start
    while day <= end:
        for c in [campaign] if campaign is not None else active_campaigns(day):
            mine = {t.pk for t in campaign_townships(c)}
            have = set(DailyFigure.objects.filter(campaign=c, day=day).values_list("township_id", flat=True))
            if mine - have and not stored_for(day):
                towns |= mine
                days.append(day)
        day += dt.timedelta(days=1)
    return clock_counts_on_days(towns, days) if days else {}


def backfill_demo(out=None, *, weeks: int = DEMO_WEEKS) -> int:
    """The demo's snapshots: the last `weeks` ISO weeks up to yesterday (from the baseline at the earliest),
    so bulletins, trends and dashboards show. A full campaign's worth takes minutes; `npl bulletin
    snapshot --from` fills more."""
    from npl.reports.rules import week_of

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    start = week_of(yesterday)[0] - dt.timedelta(weeks=weeks - 1)
    written = 0
    for c in Campaign.objects.filter(baseline__lte=yesterday):
        written += backfill(max(c.baseline, start), min(c.ends_on or yesterday, yesterday), c)
    if out is not None:
        out(f"  每日快照（补算近{weeks}周）：{written}行")
    return written


def may_publish(user) -> bool:
    """Only the district admin (区金融办) publishes bulletins."""
    from npl.accounts.choices import Role

    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.DISTRICT_ADMIN))


@transaction.atomic
def publish_bulletin(user, kind: str, campaign: Campaign, day: dt.date):
    """Publish the 日调度/周通报 of the period holding `day`: its content and files are frozen from now on."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from npl.reports.bulletins import build, published, render_files
    from npl.reports.models import Bulletin

    if not may_publish(user):
        raise PermissionDenied("只有区金融办可以发布通报")
    if published(kind, campaign, day) is not None:
        raise ValidationError("本期通报已发布，发布后不可更改")
    content = build(kind, campaign, day)
    if not content["complete"]:
        raise ValidationError(f"{content['label']}尚未结束（快照截至{content['as_of']}），结束后方可发布")
    content["status"] = Bulletin.Status.PUBLISHED
    content["published_by"] = str(user)
    content["published_at"] = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    docx, xlsx = render_files(content)
    return Bulletin.objects.create(
        kind=kind, campaign=campaign, period_start=content["period_start"], period_end=content["period_end"],
        label=content["label"], status=Bulletin.Status.PUBLISHED, content=content, docx=docx, xlsx=xlsx, published_by=user,
    )
