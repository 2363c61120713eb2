"""A campaign's progress as Excel: in `reports` (the spreadsheet builder), not in `campaigns`, which sits below
it in the layer order. Its URL keeps its name and path in the `campaigns` namespace (`npl/urls.py` adds
`urlpatterns` below to the campaigns app's own)."""
from django.contrib.auth.decorators import login_required
from django.urls import path

from npl.campaigns.figures import breakdowns
from npl.campaigns.views import BREAKDOWNS, breakdowns_for, campaign_and_scope, ranked_rows
from npl.reports.category_exports import XLSX, download
from npl.reports.spreadsheets import campaign_xlsx as build


@login_required
def campaign_xlsx(request, pk: int):
    """The campaign's progress as Excel: one sheet per breakdown, ranked, with the total."""
    campaign, scope = campaign_and_scope(request, pk)
    groups = breakdowns_for(request.user, scope)
    figs = breakdowns(campaign, scope.day, (None, *groups), township=scope.township, user=request.user)  # one statement
    total = figs[None][None]
    sheets = []
    for g in groups:
        rows = ranked_rows(campaign, scope.day, g, township=scope.township, user=request.user, figs=figs[g])
        sheets.append((BREAKDOWNS[g], [(name, figs) for name, figs, _ in rows]))
    title = f"{scope.label}{campaign.name}完成情况（基准日{campaign.baseline:%Y-%m-%d}，截至{scope.day:%Y-%m-%d}）"
    return download(build(title, sheets, total), XLSX, f"{scope.label}{campaign.name}{scope.day:%Y%m%d}.xlsx")


# In the campaigns namespace, under /campaigns/ (npl/urls.py).
urlpatterns = [path("<int:pk>/export.xlsx", campaign_xlsx, name="export_xlsx")]
