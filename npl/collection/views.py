"""Collection pages: the legal-clock alert list per township (or the whole district) and one loan's clocks.

Every loan is reached through Loan.objects.for_user: a township or loan outside the person's units is a
404, the same answer as one that does not exist.
"""
import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from npl.accounts.choices import Role
from npl.accounts.scope import region_district
from npl.collection.clocks import STATUS_LABELS, compute_clocks, loan_clock_context
from npl.collection.clocks.export import clock_alerts_workbook
from npl.collection.clocks.store import claim_alert, guarantee_alert, stored_for
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan
from npl.org.models import Township

ALERT_GROUPS = ("lapsed", "due_1m", "due_3m", "due_6m")
GROUP_TITLES = {
    "lapsed": "已届满（红色预警）",
    "due_1m": "1个月内届满",
    "due_3m": "3个月内届满",
    "due_6m": "6个月内届满",
}
# The page's lists in its order, which is also their urgency: the first non-empty one is shown by default.
LISTS = (*ALERT_GROUPS, "enforcement", "guarantees", "guarantor_claims")
LIST_TITLES = {
    **GROUP_TITLES,
    "enforcement": "申请执行期限预警",
    "guarantees": "保证期间即将届满",
    "guarantor_claims": "保证人诉讼时效即将届满或已届满",
}
GUARANTOR_LISTS = ("guarantees", "guarantor_claims")  # rows are guarantors: counted in 人 and in loans
WHOLE_DISTRICT = "全区"
PER_PAGE = 50  # rows per list on the alert page: the district has thousands of loans


def may_see_whole_district(user) -> bool:
    """District-wide roles and the court read the clocks of the whole district at once (全区)."""
    return user.is_district_wide or user.role == Role.COURT_LIAISON


def _page(request, rows, name: str, count: int | None = None):
    """One page of the list shown (?list=<name>&page=N; an old link's ?page_<name>=N reads the same), its links
    keeping the other parameters. count: the list's length when already known (the summary counted it)."""
    paginator = Paginator(rows, PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: set, the paginator asks no COUNT of its own
    page = paginator.get_page(request.GET.get("page") or request.GET.get(f"page_{name}"))

    def link(number):
        return _query(request, list=name, page=number)

    page.previous_link = link(page.previous_page_number()) if page.has_previous() else ""
    page.next_link = link(page.next_page_number()) if page.has_next() else ""
    return page


def _query(request, **changes) -> str:
    """The page's query with these parameters set and the old per-list page numbers (page_<name>) dropped."""
    query = request.GET.copy()
    for key in [k for k in query if k.startswith("page_") or k in ("page", "list")]:
        del query[key]
    for key, value in changes.items():
        query[key] = value
    return f"?{query.urlencode()}"


def _chosen_list(request, sizes: dict[str, int]) -> str:
    """The list asked for (?list=, or the list of an old ?page_<name>= link), else the most urgent non-empty one
    in the page's order (lapsed first), else the first."""
    wanted = request.GET.get("list")
    if wanted in LISTS:
        return wanted
    for name in LISTS:
        if request.GET.get(f"page_{name}"):
            return name
    return next((name for name in LISTS if sizes[name]), LISTS[0])


def _as_of(text: str | None, today: dt.date) -> tuple[dt.date, str]:
    """The as-of day asked for, or today with a message when it cannot be read."""
    text = (text or "").strip()
    if not text:
        return today, ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return today, f"统计日期“{text}”无法识别（格式：2026-03-31），已按今天统计"


def _township(visible_towns, wanted: str, whole_district: bool):
    """The township asked for among those the person may see (None: 全区, or nothing chosen yet); an unseen one is a 404."""
    wanted = (wanted or "").strip()
    if not wanted or wanted == WHOLE_DISTRICT:
        return visible_towns[0] if len(visible_towns) == 1 and not whole_district else None
    for town in visible_towns:
        if town.name == wanted or str(town.pk) == wanted:
            return town
    raise Http404("乡镇不存在")


def _scope(request):
    """(as_of, its error, visible towns, the township asked for or None, whether the whole district is shown)."""
    as_of, as_of_error = _as_of(request.GET.get("as_of"), timezone.localdate())
    visible = Loan.objects.for_user(request.user)
    # A city's or province's office reads one of its districts whole (?district=, from its roll-up): read-only.
    district = region_district(request.user, request.GET.get("district"))
    if district is not None:
        visible = visible.filter(township__district=district)
    towns = list(_visible_towns(request.user, visible, district))
    whole = may_see_whole_district(request.user) or district is not None
    town = _township(towns, request.GET.get("township"), whole)
    return as_of, as_of_error, visible, towns, town, whole


def _visible_towns(user, visible, district):
    """The townships holding a loan the person sees, by name. A scope of whole townships asks each township of it
    whether it has a loan (an index probe each) instead of reading the township of every loan in scope."""
    from django.db.models import Exists, OuterRef

    from npl.accounts.scope import township_scope

    where = township_scope(user)
    if where is None:
        return Township.objects.filter(pk__in=visible.values("township_id")).order_by("name")
    # The scope's filters name the loan's township ("township__…"): on a Township they name the row itself.
    own = {("pk" if k == "township_id" else k.removeprefix("township__")): v for k, v in where.items()}
    towns = Township.objects.filter(**own).filter(Exists(Loan.objects.filter(township_id=OuterRef("pk"))))
    if district is not None:
        towns = towns.filter(district=district)
    return towns.order_by("name")


def _alerts(loans, as_of: dt.date) -> dict:
    """The alert lists over `loans` on as_of: limitation groups, enforcement deadlines, guarantee periods,
    guarantors' own limitation periods, counts."""
    groups = {code: [] for code in ALERT_GROUPS}
    enforcement, guarantees, claims, counts = [], [], [], {code: 0 for code in STATUS_LABELS}
    for loan, clock in compute_clocks(loans, as_of, details=True):
        counts[clock.status] += 1
        if clock.status in groups:
            groups[clock.status].append((loan, clock))
        if clock.enforcement_status in ALERT_GROUPS:
            enforcement.append((loan, clock))
        for g in clock.guarantees:
            if guarantee_alert(g):  # claimed in time: nothing left to do
                guarantees.append((loan, g))
            if claim_alert(g):  # the guarantor's own limitation period (民法典第694条)
                claims.append((loan, g))
    for rows in groups.values():
        rows.sort(key=lambda r: (r[1].deadline, r[0].loan_no))
    enforcement.sort(key=lambda r: (r[1].enforcement_deadline, r[0].loan_no))
    guarantees.sort(key=lambda r: (r[1].ends_on, r[0].loan_no))
    claims.sort(key=lambda r: (r[1].own_deadline, r[0].loan_no))
    return {"groups": groups, "enforcement": enforcement, "guarantees": guarantees, "guarantor_claims": claims,
            "counts": counts}


def _computed_counts(alerts: dict) -> dict:
    """The counts of `_alerts`' lists, in `_stored_counts`' shape (a guarantor list is paged by guarantor here)."""
    return {
        "counts": alerts["counts"], "enforcement": len(alerts["enforcement"]),
        "guarantee_loans": len(alerts["guarantees"]), "claim_loans": len(alerts["guarantor_claims"]),
        "g": len(alerts["guarantees"]), "c": len(alerts["guarantor_claims"]),
        "missing": sum(1 for rows in alerts["groups"].values() for _, c in rows if c.schedule_missing),
    }


def _stored_counts(user, loans, district=None, town=None) -> dict:
    """Every count the alert page shows, from today's stored clocks: loans per limitation status, the lengths of the
    enforcement, guarantee and claim lists (in loans), the guarantors in the last two, and the alerts whose deadline
    lacks a holiday schedule. A scope of whole townships reads the stored totals (`clocks.totals`: a few rows
    whatever the portfolio); a finer one (a collector's, a branch's) counts its loans' clock rows in one query."""
    from django.db.models import Count, Q, Sum

    from npl.collection.clocks import totals

    stored = totals.for_user(user, district, town)
    if stored is not None:
        def n(**condition):
            return Sum("loans", filter=Q(**condition))

        found = stored.filter(settled=False).aggregate(
            **{f"s_{code}": n(status=code) for code in STATUS_LABELS},
            enforcement=n(enforcement_alert=True), guarantee_loans=n(guarantee_alert=True),
            claim_loans=n(claim_alert=True), g=Sum("guarantors"), c=Sum("claims"),
            missing=n(status__in=ALERT_GROUPS, schedule_missing=True),
        )
    else:
        def n(**condition):
            # Each condition names a clock column, never NULL when it holds: the status column counts.
            return Count("clock__status", filter=Q(**{f"clock__{k}": v for k, v in condition.items()}))

        found = loans.aggregate(
            **{f"s_{code}": n(status=code) for code in STATUS_LABELS},
            enforcement=n(enforcement_status__in=ALERT_GROUPS),
            guarantee_loans=n(guarantee_alerts__gt=0), claim_loans=n(claim_alerts__gt=0),
            g=Sum("clock__guarantee_alerts"), c=Sum("clock__claim_alerts"),
            missing=n(status__in=ALERT_GROUPS, schedule_missing=True),
        )
    # PostgreSQL sums a bigint as numeric; an empty scope sums to None.
    found = {key: int(value or 0) for key, value in found.items()}
    found["counts"] = {code: found.pop(f"s_{code}") for code in STATUS_LABELS}
    return found


def _stored_list(request, loans, name: str, count: int):
    """One page of one alert list from today's stored rows (a Loan queryset joined to its clock, filtered, ordered
    and paged in SQL), as the page's (loan, clock) or (loan, guarantor) pairs: each clock of the page parsed once."""
    rows = loans.select_related("clock", "borrower", "township")
    if name in ALERT_GROUPS:
        qs, expand = rows.filter(clock__status=name).order_by("clock__deadline", "loan_no"), None
    elif name == "enforcement":
        qs = rows.filter(clock__enforcement_status__in=ALERT_GROUPS).order_by("clock__enforcement_deadline", "loan_no")
        expand = None
    elif name == "guarantees":
        qs = rows.filter(clock__guarantee_alerts__gt=0).order_by("clock__guarantee_due", "loan_no")
        expand = lambda loan, clock: sorted(  # noqa: E731
            ((loan, g) for g in clock.guarantees if guarantee_alert(g)), key=lambda r: r[1].ends_on)
    else:
        qs = rows.filter(clock__claim_alerts__gt=0).order_by("clock__claim_due", "loan_no")
        expand = lambda loan, clock: sorted(  # noqa: E731
            ((loan, g) for g in clock.guarantees if claim_alert(g)), key=lambda r: r[1].own_deadline)
    page = _page(request, qs, name, count)
    expand = expand or (lambda loan, clock: [(loan, clock)])
    page.object_list = [pair for loan in page.object_list for pair in expand(loan, loan.clock.to_clock())]
    return page


def _stored_alert_lists(loans) -> dict:
    """Every row of the alert lists (the Excel export) from today's stored rows, in the page's order."""
    rows = loans.select_related("clock", "borrower", "township")

    def pairs(qs):
        return [(loan, loan.clock.to_clock()) for loan in qs.iterator(chunk_size=2000)]

    groups = {code: pairs(rows.filter(clock__status=code).order_by("clock__deadline", "loan_no")) for code in ALERT_GROUPS}
    enforcement = pairs(rows.filter(clock__enforcement_status__in=ALERT_GROUPS).order_by("clock__enforcement_deadline", "loan_no"))
    guarantees = [(loan, g) for loan, c in pairs(rows.filter(clock__guarantee_alerts__gt=0)) for g in c.guarantees if guarantee_alert(g)]
    claims = [(loan, g) for loan, c in pairs(rows.filter(clock__claim_alerts__gt=0)) for g in c.guarantees if claim_alert(g)]
    guarantees.sort(key=lambda r: (r[1].ends_on, r[0].loan_no))
    claims.sort(key=lambda r: (r[1].own_deadline, r[0].loan_no))
    return {"groups": groups, "enforcement": enforcement, "guarantees": guarantees, "guarantor_claims": claims}


def _alert_loans(visible, town):
    # Settled loans need no clock; written-off ones stay collectible (账销案存) and stay listed.
    loans = visible.exclude(status=LoanStatus.SETTLED)
    return loans.filter(township=town) if town is not None else loans


@login_required
def clock_alerts(request):
    """法律时效预警: the counts of every alert list of a township, or of the whole district, each linking to its list,
    then one list (?list=<name>, by default the most urgent non-empty one), 50 rows a page (issue 16: the page
    grew with the portfolio when it showed seven lists at once)."""
    as_of, as_of_error, visible, towns, town, whole = _scope(request)
    district = region_district(request.user, request.GET.get("district"))
    ctx = {
        "towns": towns,
        "town": town,
        "district": district,
        "whole_district": whole and town is None,
        "may_see_whole_district": whole,
        "scope_name": town.name if town else (district.name if district else WHOLE_DISTRICT) if whole else "",
        "as_of": as_of,
        "as_of_error": as_of_error,
        "is_today": as_of == timezone.localdate(),
        "may_edit_calendar": request.user.role == Role.DISTRICT_ADMIN,
    }
    if town is not None or whole:
        loans = _alert_loans(visible, town)
        if stored_for(as_of):  # today: counted from the stored totals or rows, the one list paged in SQL
            found = _stored_counts(request.user, loans, district, town)
        else:  # another day: computed (every loan of the scope)
            alerts = _alerts(loans, as_of)
            found = _computed_counts(alerts)
        counts = found["counts"]
        sizes = {**{code: counts[code] for code in ALERT_GROUPS}, "enforcement": found["enforcement"],
                 "guarantees": found["guarantee_loans"], "guarantor_claims": found["claim_loans"]}
        people = {"guarantees": found["g"], "guarantor_claims": found["c"]}
        name = _chosen_list(request, sizes)
        if stored_for(as_of):
            rows = _stored_list(request, loans, name, sizes[name])
        else:
            rows = _page(request, alerts["groups"][name] if name in ALERT_GROUPS else alerts[name], name)
        ctx.update(
            lists=[{"name": n, "title": LIST_TITLES[n], "count": sizes[n], "people": people.get(n),
                    "url": _query(request, list=n), "current": n == name} for n in LISTS],
            shown=name,
            shown_title=LIST_TITLES[name],
            shown_people=people.get(name),
            rows=rows,
            sizes=sizes,
            people=people,
            schedule_missing=found["missing"],
            suspended=counts["suspended_by_suit"],
            ok=counts["ok"],
            total=sum(counts.values()),
            export_query=_query(request)[1:],
        )
    return render(request, "collection/clock_alerts.html", ctx)


@login_required
def clock_alerts_xlsx(request):
    """The alert page's lists in one Excel file (every row, not one page): names masked, deadlines extended with their reason."""
    as_of, _error, visible, _towns, town, whole = _scope(request)
    if town is None and not whole:
        raise Http404("请选择乡镇")
    scope = town.name if town else WHOLE_DISTRICT
    loans = _alert_loans(visible, town)
    alerts = _stored_alert_lists(loans) if stored_for(as_of) else _alerts(loans, as_of)
    body = clock_alerts_workbook(scope, as_of, alerts)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = quote(f"法律时效预警-{scope}-{as_of:%Y%m%d}.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def loan_clocks(request, loan_no: str):
    """One loan's clocks and the evidence trail behind them (the same partial the loan page shows)."""
    loan = get_object_or_404(Loan.objects.for_user(request.user).select_related("borrower", "township"), loan_no=loan_no)
    as_of, as_of_error = _as_of(request.GET.get("as_of"), timezone.localdate())
    ctx = {"loan": loan, "as_of": as_of, "as_of_error": as_of_error, **loan_clock_context(loan, as_of)}
    return render(request, "collection/loan_clocks.html", ctx)
