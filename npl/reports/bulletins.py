"""日调度 and 周通报 as a view over the daily snapshots: the content a page, a workbook and a document show.

A daily bulletin compares its day's snapshot with the day before; a weekly one (ISO week, Monday–Sunday)
compares the week's last snapshot with the previous week's last. Change in rank and rate is measured
against the last published bulletin of the same kind and campaign (or, before any, the previous
period's snapshot). The content is plain JSON (amounts as strings in 元) so a published bulletin can be
frozen as it is and served again without recomputing anything.
"""
import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from npl.campaigns.models import Campaign
from npl.core.money import ZERO, fmt_wan_plain, fmt_yuan, percent
from npl.reports.models import Bulletin, DailyFigure, LaggardRule
from npl.reports.rules import day_label, laggard, week_code, week_label, week_of
from npl.reports.snapshots import active_campaigns

DEFAULT_RULE = (1, Decimal("5.00"))  # used only if the rule table is empty (the data migration loads a row)
TREND_DAYS = 30  # the trend chart's span: the last 30 snapshot days up to the period's end


class BulletinUnavailable(Exception):
    """The snapshots a bulletin needs are not there (yet); the message says which and what to run."""


def rule_on(day: dt.date) -> tuple[int, Decimal, str]:
    """(bottom_n, margin in points, its text) of the laggard rule in force on `day`."""
    row = LaggardRule.objects.filter(valid_from__lte=day).first()
    bottom_n, margin = (row.bottom_n, row.margin_points) if row else DEFAULT_RULE
    return bottom_n, margin, f"排名末位{bottom_n}名，或清收率低于全区{margin:.2f}个百分点以上"


def default_campaign(day: dt.date | None = None, district=None) -> Campaign | None:
    """The latest campaign running on `day` (default today), else the latest campaign of all; of `district` when
    given (a person's pages never fall on another district's campaign)."""
    day = day or timezone.localdate()
    running, every = active_campaigns(day), Campaign.objects.all()
    if district is not None:
        running, every = running.filter(district=district), every.filter(district=district)
    return running.order_by("-baseline", "-pk").first() or every.order_by("-baseline", "-pk").first()


def find_campaign(text: str | None, district=None) -> Campaign | None:
    """A campaign by id or by name (of `district` when given); None when `text` is empty (caller falls back on
    default_campaign)."""
    text = (text or "").strip()
    if not text:
        return None
    qs = Campaign.objects.all() if district is None else Campaign.objects.filter(district=district)
    found = qs.filter(pk=int(text)).first() if text.isdigit() else None
    return found or qs.filter(name=text).first()


def period(kind: str, day: dt.date) -> tuple[dt.date, dt.date, str]:
    """(start, end, label) of the daily bulletin of `day` or the weekly one of the ISO week holding `day`."""
    if kind == Bulletin.Kind.DAILY:
        return day, day, day_label(day)
    monday, sunday = week_of(day)
    return monday, sunday, week_label(monday)


def _figs(rows) -> dict:
    """Sum snapshot rows (one day) into district figures."""
    out = {"task_count": 0, "task_amount": ZERO, "collected_count": 0, "collected_amount": ZERO, "collected_interest": ZERO,
           "clocks_at_risk": 0}
    for r in rows:
        for k in out:
            out[k] += getattr(r, k)
    return out


def _rank(rows: list[dict]) -> list[dict]:
    """Best recovery rate first; ties by collected amount, then by name; townships without a task last."""
    rows.sort(key=lambda r: (r["task_count"] == 0, -r["_rate"], -r["_collected"], r["township"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def _previous(kind: str, campaign: Campaign, start: dt.date, base_rows: list) -> tuple[dict, str]:
    """township id → (rank, rate) to compare with: the last published bulletin, else the base snapshot."""
    last = (
        Bulletin.objects.filter(kind=kind, campaign=campaign, status=Bulletin.Status.PUBLISHED, period_end__lt=start)
        .order_by("-period_end").first()
    )
    if last is not None:
        return {r["township_id"]: (r["rank"], Decimal(r["rate"])) for r in last.content["rows"]}, f"上期通报（{last.label}）"
    if not base_rows:
        return {}, ""
    ranked = _rank([
        {"township": r.township.name, "township_id": r.township_id, "task_count": r.task_count,
         "_rate": percent(r.collected_amount, r.task_amount), "_collected": r.collected_amount}
        for r in base_rows
    ])
    day = base_rows[0].day
    return {r["township_id"]: (r["rank"], r["_rate"]) for r in ranked}, f"{day.month}月{day.day}日快照"


def _trend(campaign: Campaign, end: dt.date) -> list[list[str]]:
    """[[day, district recovery rate], …] over the last TREND_DAYS snapshot days up to `end`."""
    rows = (
        DailyFigure.objects.filter(campaign=campaign, day__lte=end, day__gt=end - dt.timedelta(days=TREND_DAYS))
        .values("day").annotate(t=Sum("task_amount"), c=Sum("collected_amount")).order_by("day")
    )
    return [[r["day"].isoformat(), f"{percent(r['c'] or 0, r['t'] or 0):.2f}"] for r in rows]


def build(kind: str, campaign: Campaign, day: dt.date) -> dict:
    """The draft content of the bulletin of `kind` for the period holding `day` (see the module docstring)."""
    start, end, label = period(kind, day)
    in_period = DailyFigure.objects.filter(campaign=campaign, day__gte=start, day__lte=end)
    last_day = in_period.order_by("-day").values_list("day", flat=True).first()
    if kind == Bulletin.Kind.DAILY and last_day != day:
        raise BulletinUnavailable(f"{day_label(day)}的每日快照尚未生成（请先运行 npl bulletin snapshot --date {day}）")
    if last_day is None:
        raise BulletinUnavailable(f"{label}尚无每日快照（请先运行 npl bulletin snapshot）")
    end_rows = list(in_period.filter(day=last_day).select_related("township"))
    base_day = DailyFigure.objects.filter(campaign=campaign, day__lt=start).order_by("-day").values_list("day", flat=True).first()
    base_rows = list(DailyFigure.objects.filter(campaign=campaign, day=base_day).select_related("township")) if base_day else []
    base = {r.township_id: r for r in base_rows}
    sums = {
        r["township_id"]: r
        for r in in_period.filter(day__lte=last_day).values("township_id").annotate(a=Sum("actions_today"), p=Sum("promises_due"))
    }
    district, district_base = _figs(end_rows), _figs(base_rows)
    district_rate = percent(district["collected_amount"], district["task_amount"])
    prev, compared_with = _previous(kind, campaign, start, base_rows)
    rows = []
    for r in end_rows:
        b = base.get(r.township_id)
        rate = percent(r.collected_amount, r.task_amount)
        rows.append({
            "township_id": r.township_id, "township": r.township.name,
            "task_count": r.task_count, "task_amount": fmt_yuan(r.task_amount),
            "collected_period": fmt_yuan(r.collected_amount - (b.collected_amount if b else ZERO)),
            "collected_count": r.collected_count, "collected_amount": fmt_yuan(r.collected_amount),
            "remaining_amount": fmt_yuan(r.task_amount - r.collected_amount),
            "interest": fmt_yuan(r.collected_interest), "rate": f"{rate:.2f}",
            "actions": sums.get(r.township_id, {}).get("a") or 0,
            "promises_due": sums.get(r.township_id, {}).get("p") or 0,
            "clocks_at_risk": r.clocks_at_risk,
            "_rate": rate, "_collected": r.collected_amount,
        })
    _rank(rows)
    bottom_n, margin, rule_text = rule_on(last_day)
    with_task = sum(1 for r in rows if r["task_count"])
    for r in rows:
        before = prev.get(r["township_id"])
        r["rank_change"] = None if before is None else before[0] - r["rank"]
        r["rate_change"] = None if before is None else f"{r['_rate'] - before[1]:.2f}"
        flag = laggard(r["rank"], with_task, r["_rate"], district_rate, bottom_n=bottom_n, margin=margin,
                       has_task=bool(r["task_count"]))
        r["laggard"], r["laggard_reason"] = flag.flagged, flag.reason
        del r["_rate"], r["_collected"]
    total = {
        "task_count": district["task_count"], "task_amount": fmt_yuan(district["task_amount"]),
        "collected_period": fmt_yuan(district["collected_amount"] - district_base["collected_amount"]),
        "collected_count": district["collected_count"], "collected_amount": fmt_yuan(district["collected_amount"]),
        "remaining_amount": fmt_yuan(district["task_amount"] - district["collected_amount"]),
        "interest": fmt_yuan(district["collected_interest"]), "rate": f"{district_rate:.2f}",
        "actions": sum(r["actions"] for r in rows), "promises_due": sum(r["promises_due"] for r in rows),
        "clocks_at_risk": district["clocks_at_risk"],
    }
    content = {
        "kind": kind, "kind_label": Bulletin.Kind(kind).label,
        "campaign": {"id": campaign.pk, "name": campaign.name},
        "scope": campaign.township.name if campaign.township_id else _district_name(campaign),
        "label": label, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "week": week_code(start) if kind == Bulletin.Kind.WEEKLY else "",
        "as_of": last_day.isoformat(), "complete": last_day == end,
        "base_day": base_day.isoformat() if base_day else None, "compared_with": compared_with,
        "rule": rule_text, "rows": rows, "total": total, "trend": _trend(campaign, last_day),
        "status": Bulletin.Status.DRAFT,
    }
    content["texts"] = texts(content)
    return content


def _district_name(campaign) -> str:
    """The campaign's own district (an installation of several districts: never the first one's name)."""
    from npl.org.models import District

    return (campaign.district if campaign.district_id else District.current()).name


def _wan(text: str) -> str:
    return f"{fmt_wan_plain(Decimal(text))}万元"


def texts(c: dict) -> list[str]:
    """The bulletin's paragraphs in the seed's manner: progress, the leaders, the laggards named."""
    t, unit = c["total"], "本日" if c["kind"] == Bulletin.Kind.DAILY else "本周"
    as_of = dt.date.fromisoformat(c["as_of"])
    subject = "全区" if c["scope"].endswith("区") else c["scope"]
    out = [
        f"截至{as_of.month}月{as_of.day}日，{subject}“{c['campaign']['name']}”清收任务{t['task_count']}笔、{_wan(t['task_amount'])}，"
        f"已清收{t['collected_count']}笔（含部分还款）、{_wan(t['collected_amount'])}，剩余清收金额{_wan(t['remaining_amount'])}，"
        f"清收率{t['rate']}%，另收回利息{_wan(t['interest'])}。{unit}清收{_wan(t['collected_period'])}，开展催收{t['actions']}次，"
        f"到期未履行的还款承诺{t['promises_due']}笔，法律时效预警{t['clocks_at_risk']}笔。"
    ]
    ranked = [r for r in c["rows"] if r["task_count"]]
    if ranked:
        top = "、".join(f"{r['township']}（{r['rate']}%）" for r in ranked[:3])
        out.append(f"从各单位进度看，清收率排名前列的是：{top}。")
    lag = [r for r in c["rows"] if r["laggard"]]
    if lag:
        names = "；".join(f"{r['township']}（清收率{r['rate']}%，{r['laggard_reason']}）" for r in lag)
        out.append(f"以下单位清收进度滞后，予以通报：{names}。请相关单位对照任务倒排工期，逐笔落实包保责任，加快清收进度。")
    else:
        out.append("本期无进度滞后单位，请各单位保持力度，持续推进。")
    if not c["complete"]:
        out.append(f"（本期尚未结束，数据截至{as_of.month}月{as_of.day}日。）")
    return out


def chart_images(content: dict) -> list[bytes] | None:
    """The bulletin's two charts as PNG (ranking, trend), or None when the server has no CJK font to draw them."""
    from npl.reports import charts

    try:
        charts.cjk_font()
    except charts.FontMissing:
        return None
    return [charts.ranking_chart(content["rows"], content["total"]["rate"]), charts.trend_chart(content["trend"])]


def render_files(content: dict) -> tuple[bytes, bytes]:
    """(docx, xlsx) of a bulletin's content: Word with the charts as PNG, Excel with native charts."""
    from npl.reports.documents import bulletin_docx
    from npl.reports.spreadsheets import bulletin_xlsx

    return bulletin_docx(content, chart_images(content)), bulletin_xlsx(content)


def render_pdf(content: dict) -> bytes:
    """The bulletin as PDF, from the same parts as its Word file; CjkFontMissing on a server without a CJK font."""
    from npl.reports.documents import bulletin_pdf

    return bulletin_pdf(content, chart_images(content))


def published(kind: str, campaign: Campaign, day: dt.date) -> Bulletin | None:
    """The published bulletin of the period holding `day`, if there is one (served frozen, never recomputed)."""
    start, _, _ = period(kind, day)
    return Bulletin.objects.filter(kind=kind, campaign=campaign, period_start=start, status=Bulletin.Status.PUBLISHED).first()


def content_for(kind: str, campaign: Campaign, day: dt.date) -> dict:
    """The frozen content when the period is published, else a fresh draft from the snapshots."""
    found = published(kind, campaign, day)
    return found.content if found is not None else build(kind, campaign, day)
