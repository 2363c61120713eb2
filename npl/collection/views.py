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
WHOLE_DISTRICT = "全区"
PER_PAGE = 50  # rows per list on the alert page: the district has thousands of loans


def may_see_whole_district(user) -> bool:
    """District-wide roles and the court read the clocks of the whole district at once (全区)."""
    return user.is_district_wide or user.role == Role.COURT_LIAISON


def _page(request, rows: list, name: str, count: int | None = None):
    """One page of a list; each list of the page turns its own pages (?page_<name>=N), keeping the other parameters.
    count: the list's length when already known (the stored lists are counted together in one query)."""
    paginator = Paginator(rows, PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: set, the paginator asks no COUNT of its own
    page = paginator.get_page(request.GET.get(f"page_{name}"))

    def link(number):
        query = request.GET.copy()
        query[f"page_{name}"] = number
        return f"?{query.urlencode()}"

    page.previous_link = link(page.previous_page_number()) if page.has_previous() else ""
    page.next_link = link(page.next_page_number()) if page.has_next() else ""
    return page


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


def _stored_page(request, qs, name: str, expand, count: int):
    """One page of stored rows (a Loan queryset joined to its clock, ordered in SQL), as the page's (loan, x) pairs."""
    page = _page(request, qs, name, count)
    page.object_list = [pair for loan in page.object_list for pair in expand(loan, loan.clock.to_clock())]
    return page


def _stored_counts(loans, clocks=None) -> dict:
    """Every count the alert page shows, from today's stored rows in one pass: loans per limitation status, the
    lengths of the enforcement, guarantee and claim lists (in loans), the guarantors in the last two, and the
    alerts whose deadline lacks a holiday schedule. clocks: the same loans' LoanClock rows when they can be chosen
    by their own columns (`_scope_clocks`): then the count reads an index of the clocks alone, no loan."""
    from django.db.models import Count, Q, Sum

    rows, p = (loans, "clock__") if clocks is None else (clocks, "")

    def n(**condition):
        # Each condition names a clock column, never NULL when it holds: the status column counts (it is indexed).
        return Count(p + "status", filter=Q(**{p + k: v for k, v in condition.items()}))

    found = rows.aggregate(
        **{f"s_{code}": n(status=code) for code in STATUS_LABELS},
        enforcement=n(enforcement_status__in=ALERT_GROUPS),
        guarantee_loans=n(guarantee_alerts__gt=0), claim_loans=n(claim_alerts__gt=0),
        g=Sum(p + "guarantee_alerts"), c=Sum(p + "claim_alerts"),
        missing=n(status__in=ALERT_GROUPS, schedule_missing=True),
    )
    found["counts"] = {code: found.pop(f"s_{code}") or 0 for code in STATUS_LABELS}
    return found


def _scope_clocks(user, district, town):
    """The stored clocks of `_alert_loans(visible, town)` chosen by the clock rows' own township and settled flag
    when the person's scope is whole townships (`accounts.scope.township_scope`); else None (join the loans)."""
    from npl.accounts.scope import township_scope
    from npl.collection.models import LoanClock

    where = township_scope(user)
    if where is None:
        return None
    rows = LoanClock.objects.filter(**where, settled=False)
    if district is not None:
        rows = rows.filter(township__district=district)
    return rows.filter(township=town) if town is not None else rows


def _stored_alerts(request, loans, clocks=None) -> dict:
    """The alert page's lists from today's stored LoanClock rows: counted in one query, filtered, sorted and paged in
    SQL, a fixed number of queries whatever the number of loans (issue 16). clocks: see `_stored_counts`."""
    rows = loans.select_related("clock", "borrower", "township")
    found = _stored_counts(loans, clocks)
    counts = found["counts"]
    one = lambda loan, clock: [(loan, clock)]  # noqa: E731
    groups = {
        code: _stored_page(request, rows.filter(clock__status=code).order_by("clock__deadline", "loan_no"), code, one,
                           counts[code])
        for code in ALERT_GROUPS
    }
    enforcement = _stored_page(
        request, rows.filter(clock__enforcement_status__in=ALERT_GROUPS).order_by("clock__enforcement_deadline", "loan_no"),
        "enforcement", one, found["enforcement"])
    guarantees = _stored_page(
        request, rows.filter(clock__guarantee_alerts__gt=0).order_by("clock__guarantee_due", "loan_no"), "guarantees",
        lambda loan, clock: sorted(((loan, g) for g in clock.guarantees if guarantee_alert(g)), key=lambda r: r[1].ends_on),
        found["guarantee_loans"])
    claims = _stored_page(
        request, rows.filter(clock__claim_alerts__gt=0).order_by("clock__claim_due", "loan_no"), "guarantor_claims",
        lambda loan, clock: sorted(((loan, g) for g in clock.guarantees if claim_alert(g)), key=lambda r: r[1].own_deadline),
        found["claim_loans"])
    guarantees.people, claims.people = found["g"] or 0, found["c"] or 0
    return {"groups": groups, "enforcement": enforcement, "guarantees": guarantees, "guarantor_claims": claims,
            "counts": counts, "schedule_missing": found["missing"]}


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
    """法律时效预警: the loans of a township, or of the whole district, whose periods lapse within 6/3/1 months or have lapsed."""
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
        if stored_for(as_of):  # today: the stored rows, filtered and paged in SQL
            found = _stored_alerts(request, loans, _scope_clocks(request.user, district, town))
            pages = found
        else:  # another day: computed (every loan of the scope)
            found = _alerts(loans, as_of)
            pages = {
                "groups": {code: _page(request, found["groups"][code], code) for code in ALERT_GROUPS},
                **{name: _page(request, found[name], name) for name in ("enforcement", "guarantees", "guarantor_claims")},
                "schedule_missing": sum(1 for rows in found["groups"].values() for _, c in rows if c.schedule_missing),
            }
            pages["guarantees"].people = len(found["guarantees"])
            pages["guarantor_claims"].people = len(found["guarantor_claims"])
        counts = found["counts"]
        ctx.update(
            groups=[(code, GROUP_TITLES[code], pages["groups"][code]) for code in ALERT_GROUPS],
            enforcement=pages["enforcement"],
            guarantees=pages["guarantees"],
            guarantor_claims=pages["guarantor_claims"],
            schedule_missing=pages["schedule_missing"],
            suspended=counts["suspended_by_suit"],
            ok=counts["ok"],
            total=sum(counts.values()),
            export_query=request.GET.urlencode(),
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
