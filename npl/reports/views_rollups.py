"""Roll-up pages of a city's or province's finance office (市/省金融办): its districts side by side — the nine
categories, the legal clocks, the campaigns — each as a page and as Excel. Anyone else is told the page does
not exist (404), as for a page they may not see. The figures are `reports.rollups`'."""
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from npl.core import derived
from npl.reports import rollups

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGES = (("categories", "九类特殊贷款"), ("clocks", "法律时效"), ("campaigns", "清收行动"))
# The stored rows a page reads (core.derived): before today's daily sweep they hold the day of the last one.
READS = {"categories": "memberships", "clocks": "clocks"}


def _region_name(user) -> str:
    return user.region.name if user.region_id else "全部"


def _page(request, name: str, figures: dict, districts: list):
    today = timezone.localdate()
    reads = READS.get(name)
    return render(request, f"reports/region_{name}.html", {
        "region_name": _region_name(request.user), "districts": districts, "today": today, "figures": figures,
        "pages": PAGES, "page": name, "export_url": f"{name}.xlsx",
        # Said on the page, never silent: the roll-up reads stored rows, and after midnight, before the daily sweep,
        # what changes with the date alone (a roster entry ending, a deadline passing) is still the last sweep's.
        "stale": reads is not None and not derived.current(reads),
        "swept_on": derived.complete_on(reads) if reads is not None else None,
    })


def _download(request, title: str, content: bytes) -> HttpResponse:
    resp = HttpResponse(content, content_type=XLSX)
    name = f"{_region_name(request.user)}{title}{timezone.localdate():%Y%m%d}.xlsx"
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


# page name → (figures of the districts, their Excel, the Excel's title)
ROLLUPS = {
    "categories": (rollups.category_rollup, rollups.category_xlsx, "各区九类特殊贷款"),  # 笔数 and 万元 per category
    "clocks": (rollups.clock_rollup, rollups.clock_xlsx, "各区法律时效"),  # loans by limitation status
    "campaigns": (rollups.campaign_rollup, rollups.campaign_xlsx, "各区清收进度"),  # ranked by recovery rate
}


@login_required
def region_page(request, name: str):
    """各区…汇总: one roll-up of the user's districts, a district a row."""
    districts = rollups.region_districts(request.user)
    return _page(request, name, ROLLUPS[name][0](districts), districts)


@login_required
def region_xlsx(request, name: str):
    """The same roll-up as Excel, dated the day its stored figures hold (the last sweep's before today's)."""
    figures_of, to_xlsx, title = ROLLUPS[name]
    districts = rollups.region_districts(request.user)
    reads = READS.get(name)
    day = timezone.localdate() if reads is None or derived.current(reads) else (derived.complete_on(reads) or timezone.localdate())
    return _download(request, title, to_xlsx(_region_name(request.user), day, figures_of(districts)))
