"""Bulletin pages: 日调度 and 周通报 (choose a day or a week), downloads, publishing, published list, charts.

Who sees them (decided here, documented in docs/bulletins.md): the district admin and leader see drafts
and published bulletins; a township admin sees the published ones (rankings are published to the
townships) but no drafts; every other role gets a 404, as for a page that does not exist.
"""
import datetime as dt
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from npl.accounts.choices import Role
from npl.documents.fonts import CjkFontMissing
from npl.reports.bulletins import (
    BulletinUnavailable,
    build,
    default_campaign,
    find_campaign,
    published,
    render_files,
    render_pdf,
)
from npl.reports.home import dashboard
from npl.reports.models import Bulletin
from npl.reports.rules import PeriodError, parse_week, week_code
from npl.reports.services import may_publish, publish_bulletin

MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
KINDS = {"daily": Bulletin.Kind.DAILY, "weekly": Bulletin.Kind.WEEKLY}


def _drafts(user) -> bool:
    return user.is_district_wide


def _may_see(user) -> None:
    """District roles and township admins; anyone else is told the page does not exist."""
    if not (user.is_district_wide or user.role == Role.TOWNSHIP_ADMIN):
        raise Http404("页面不存在")


def _day(request, kind: str) -> tuple[dt.date, str]:
    """The day asked for (a week's Monday for weekly), default yesterday; a message when unreadable."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if kind == Bulletin.Kind.WEEKLY:
        text = (request.GET.get("week") or request.POST.get("week") or "").strip()
        if not text:
            return yesterday, ""
        try:
            return parse_week(text)[0], ""
        except PeriodError as exc:
            return yesterday, f"{exc}；已显示最近一周"
    text = (request.GET.get("date") or request.POST.get("date") or "").strip()
    if not text:
        return yesterday, ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return yesterday, f"日期“{text}”无法识别（格式：2026-04-08），已显示昨天"


def _campaign(request, day):
    raw = request.GET.get("campaign") or request.POST.get("campaign")
    user = request.user
    district = None if user.is_superuser else user.district  # another district's campaign: 404, as one that is not
    if district is None and not user.is_superuser:
        raise Http404("清收行动不存在")
    campaign = find_campaign(raw, district) if raw else default_campaign(day, district)
    if raw and campaign is None:
        raise Http404("清收行动不存在")
    return campaign


def _query(kind: str, day: dt.date, campaign) -> str:
    key = {"week": week_code(day)} if kind == Bulletin.Kind.WEEKLY else {"date": day.isoformat()}
    return urlencode({**key, "campaign": campaign.pk})


def _content(request, kind: str):
    """(campaign, day, content or None, the published Bulletin or None, a message) for the request."""
    _may_see(request.user)
    day, error = _day(request, kind)
    campaign = _campaign(request, day)
    if campaign is None:
        return None, day, None, None, error or "尚未设立清收行动"
    frozen = published(kind, campaign, day)
    if frozen is not None:
        return campaign, day, frozen.content, frozen, error
    if not _drafts(request.user):
        return campaign, day, None, None, error or "本期通报尚未发布"
    try:
        return campaign, day, build(kind, campaign, day), None, error
    except BulletinUnavailable as exc:
        return campaign, day, None, None, error or str(exc)


def _page(request, kind: str):
    campaign, day, content, frozen, message = _content(request, kind)
    prev_day = day - dt.timedelta(days=7 if kind == Bulletin.Kind.WEEKLY else 1)
    next_day = day + dt.timedelta(days=7 if kind == Bulletin.Kind.WEEKLY else 1)
    ctx = {
        "kind": kind, "kind_label": Bulletin.Kind(kind).label, "campaign": campaign, "day": day, "content": content,
        "frozen": frozen, "message": message, "week": week_code(day),
        "may_publish": content is not None and frozen is None and content["complete"] and may_publish(request.user),
    }
    if campaign is not None:
        ctx.update(query=_query(kind, day, campaign), prev_query=_query(kind, prev_day, campaign),
                   next_query=_query(kind, next_day, campaign) if next_day < timezone.localdate() else "")
    return render(request, "reports/bulletin.html", ctx)


@login_required
def daily(request):
    """日调度: one day against the day before."""
    return _page(request, Bulletin.Kind.DAILY)


@login_required
def weekly(request):
    """周通报: an ISO week's last snapshot against the previous week's."""
    return _page(request, Bulletin.Kind.WEEKLY)


@login_required
def download(request, kind: str, fmt: str):
    """The bulletin as Word, Excel or PDF: the frozen files once published (PDF from the frozen content), else a fresh draft."""
    if kind not in KINDS or fmt not in MIME:
        raise Http404("页面不存在")
    campaign, day, content, frozen, message = _content(request, KINDS[kind])
    if content is None:
        raise Http404(message)
    if fmt == "pdf":
        try:
            data = render_pdf(content)
        except CjkFontMissing as exc:  # a clear refusal on the page, never a PDF of boxes or an error page
            messages.error(request, str(exc))
            return redirect(f"{reverse(f'reports:{kind}')}?{_query(KINDS[kind], day, campaign)}")
    elif frozen is not None:
        data = bytes(frozen.docx if fmt == "docx" else frozen.xlsx)
    else:
        docx, xlsx = render_files(content)
        data = docx if fmt == "docx" else xlsx
    status = "" if frozen is not None else "（草稿）"
    name = f"{content['scope']}{content['kind_label']}{content['label']}{status}.{fmt}"
    resp = HttpResponse(data, content_type=MIME[fmt])
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


@login_required
def chart(request, kind: str, name: str):
    """A bulletin's chart as SVG for its page (the same drawing the Word file carries as PNG)."""
    from npl.reports import charts  # here, not at import: matplotlib would cost every start-up 0.3 s
    if kind not in KINDS or name not in ("ranking", "trend"):
        raise Http404("页面不存在")
    _, _, content, _, message = _content(request, KINDS[kind])
    if content is None:
        raise Http404(message)
    if name == "ranking":
        svg = charts.ranking_chart(content["rows"], content["total"]["rate"], fmt="svg")
    else:
        svg = charts.trend_chart(content["trend"], fmt="svg")
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
@require_POST
def publish(request, kind: str):
    """发布: the district admin freezes the bulletin of the period (service checks role and state)."""
    if kind not in KINDS:
        raise Http404("页面不存在")
    _may_see(request.user)
    day, error = _day(request, KINDS[kind])
    campaign = _campaign(request, day)
    if error or campaign is None:
        messages.error(request, error or "尚未设立清收行动")
        return redirect(reverse(f"reports:{kind}"))
    try:
        b = publish_bulletin(request.user, KINDS[kind], campaign, day)
    except PermissionDenied as exc:
        raise Http404("页面不存在") from exc
    except (ValidationError, BulletinUnavailable) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"已发布{b}，内容与文件自此冻结")
    return redirect(f"{reverse(f'reports:{kind}')}?{_query(KINDS[kind], day, campaign)}")


@login_required
def index(request):
    """通报: the published bulletins, newest first, and the way to the daily and weekly pages."""
    _may_see(request.user)
    rows = Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED).select_related("campaign", "published_by")
    if not request.user.is_superuser:
        rows = rows.filter(campaign__district_id=request.user.district_id)  # the bulletins of the user's own district
    items = []
    for b in rows[:200]:
        key = {"week": week_code(b.period_start)} if b.kind == Bulletin.Kind.WEEKLY else {"date": b.period_start.isoformat()}
        items.append((b, reverse(f"reports:{b.kind}") + "?" + urlencode({**key, "campaign": b.campaign_id})))
    return render(request, "reports/index.html", {"items": items, "drafts": _drafts(request.user)})


@login_required
def trend_svg(request):
    """The district's recovery-rate trend for the home page (district roles), from the snapshots."""
    from npl.reports import charts  # here, not at import: matplotlib would cost every start-up 0.3 s
    if not request.user.is_district_wide:
        raise Http404("页面不存在")
    from npl.reports.dashboards import trend_points

    campaign = _campaign(request, timezone.localdate())
    points = trend_points(campaign) if campaign else []
    return HttpResponse(charts.trend_chart(points, fmt="svg"), content_type="image/svg+xml")


def _svg(data: bytes) -> HttpResponse:
    return HttpResponse(data, content_type="image/svg+xml")


@login_required
def township_trend_svg(request):
    """A township admin's home page: its recovery-rate trend beside the district's, from the snapshots."""
    from npl.reports import charts  # here, not at import: matplotlib would cost every start-up 0.3 s
    user = request.user
    if user.role != Role.TOWNSHIP_ADMIN or user.township_id is None:
        raise Http404("页面不存在")
    from npl.reports.dashboards import township_trend_points, trend_points

    campaign = _campaign(request, timezone.localdate())
    own = township_trend_points(campaign, user.township_id) if campaign else []
    district = trend_points(campaign) if campaign else []
    return _svg(charts.comparison_chart(own, district, name=user.township.name, fmt="svg"))


@login_required
def categories_svg(request):
    """A township admin's loans in the nine categories today (笔), as bars; the page's table links each to its loans."""
    from npl.reports import charts  # here, not at import: matplotlib would cost every start-up 0.3 s
    user = request.user
    if user.role != Role.TOWNSHIP_ADMIN or user.township_id is None:
        raise Http404("页面不存在")
    from npl.reports.dashboards import categories

    rows = [(c["name"], c["count"]) for c in categories(user, township=user.township)]
    return _svg(charts.count_bars(rows, title=f"{user.township.name}九类特殊贷款（笔）", fmt="svg"))


@login_required
def states_svg(request):
    """The loans the person sees, by state (笔), as bars: the branch clerk's home page."""
    from npl.loans.models import Loan
    from npl.reports import charts  # here, not at import: matplotlib would cost every start-up 0.3 s
    from npl.reports.dashboards import by_status

    rows = [(s["label"], s["count"]) for s in by_status(Loan.objects.for_user(request.user))]
    return _svg(charts.count_bars(rows, title="贷款状态分布（笔）", fmt="svg"))


@login_required
def home(request):
    """首页: district, township, collector, branch, court, police or discipline view by role."""
    return render(request, "reports/home.html", dashboard(request.user))
