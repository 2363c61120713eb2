"""The category table's exports: Excel, section 二 as Word, and the township's report with a campaign's figures.

They live in `reports` (the seed's wording, the spreadsheet and Word builders, a campaign's figures) rather
than in `categories`, which sits below all of those in the layer order. Their URLs keep their names and paths
in the `categories` namespace (`npl/urls.py` adds `urlpatterns` below to the categories app's own).
"""
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from npl.campaigns.figures import summary
from npl.campaigns.models import Campaign
from npl.categories.access import report_scope
from npl.categories.reports import category_report
from npl.categories.services import threshold_on
from npl.reports.documents import section_two_docx
from npl.reports.documents import township_report_docx as build_township_report
from npl.reports.spreadsheets import category_xlsx
from npl.reports.wording import subject_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def download(content: bytes, mime: str, filename: str) -> HttpResponse:
    """An attachment named in UTF-8 (Chinese file names)."""
    resp = HttpResponse(content, content_type=mime)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def _report(request):
    scope = report_scope(request)
    data = category_report(township=scope.township, as_of=scope.day, user=request.user)
    data["scope"] = scope.label
    return scope, data


@login_required
def export_xlsx(request):
    """The category table as Excel."""
    scope, data = _report(request)
    return download(category_xlsx(data), XLSX, f"{scope.label}九类特殊贷款{scope.day:%Y%m%d}.xlsx")


@login_required
def export_docx(request):
    """Section 二 of the seed as Word, one paragraph per category, ready to paste."""
    scope, data = _report(request)
    content = section_two_docx(data, subject=subject_for(scope.is_township), threshold=threshold_on(scope.day))
    return download(content, DOCX, f"{scope.label}特殊不良贷款意见建议{scope.day:%Y%m%d}.docx")


@login_required
def township_report_docx(request):
    """The township's report (一、完成情况 and 二、the nine categories) for any township and day."""
    scope, data = _report(request)
    if request.user.role == "discipline_liaison":
        raise PermissionDenied("无权导出清收工作汇报")
    campaigns = Campaign.objects.all()
    if scope.township is not None:
        campaigns = campaigns.filter(township__isnull=True) | campaigns.filter(township=scope.township)
    raw = request.GET.get("campaign")
    campaign = (
        get_object_or_404(campaigns, pk=raw) if raw and raw.isdigit()
        else campaigns.filter(baseline__lte=scope.day).order_by("-baseline", "-created_at", "-pk").first()
    )
    summ = summary(campaign, scope.day, township=scope.township, user=request.user) if campaign else None
    content = build_township_report(
        scope=scope.label, subject=subject_for(scope.is_township), as_of=scope.day.isoformat(), summary=summ,
        report=data, threshold=threshold_on(scope.day),
    )
    return download(content, DOCX, f"{scope.label}不良贷款清收工作情况汇报{scope.day:%Y%m%d}.docx")


# In the categories namespace, under /categories/ (npl/urls.py): the names and paths the pages link to.
urlpatterns = [
    path("export.xlsx", export_xlsx, name="export_xlsx"),
    path("export.docx", export_docx, name="export_docx"),
    path("township-report.docx", township_report_docx, name="township_report"),
]
