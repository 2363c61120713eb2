"""/api/: the REST API, its OpenAPI description (/api/schema/), the Swagger page (/api/docs/) and the token page."""
from django.contrib.auth.decorators import login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from npl.api import pages
from npl.api.views import flow, imports, loans, reports
from npl.api.views.base import not_found

app_name = "api"
urlpatterns = [
    # The description names every operation and field: for callers only (a token or a session; the page sends
    # a person to the login page, the schema answers 401 in the error shape).
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html", permission_classes=[IsAuthenticated])), name="docs"),
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("loans/", loans.LoanList.as_view(), name="loans"),
    path("loans/<str:loan_no>/", loans.LoanDetail.as_view(), name="loan"),
    path("loans/<str:loan_no>/clock/", loans.LoanClock.as_view(), name="loan_clock"),
    path("loans/<str:loan_no>/actions/", flow.LoanActions.as_view(), name="loan_actions"),
    path("loans/<str:loan_no>/repayments/", flow.LoanRepayments.as_view(), name="loan_repayments"),
    path("loans/<str:loan_no>/plans/", flow.LoanPlans.as_view(), name="loan_plans"),
    path("borrowers/", loans.BorrowerList.as_view(), name="borrowers"),
    path("borrowers/<int:pk>/", loans.BorrowerDetail.as_view(), name="borrower"),
    path("actions/", flow.ActionList.as_view(), name="actions"),
    path("repayments/", flow.RepaymentList.as_view(), name="repayments"),
    path("repayments/<int:pk>/review/", flow.RepaymentReview.as_view(), name="repayment_review"),
    path("plans/", flow.PlanList.as_view(), name="plans"),
    path("litigation/cases/", flow.CaseList.as_view(), name="cases"),
    path("litigation/cases/<int:pk>/", flow.CaseDetail.as_view(), name="case"),
    path("categories/report/", reports.CategoryReport.as_view(), name="category_report"),
    path("campaigns/", reports.CampaignList.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/summary/", reports.CampaignSummary.as_view(), name="campaign_summary"),
    path("clocks/", reports.ClocksReport.as_view(), name="clocks"),
    path("suggestions/", reports.Suggestions.as_view(), name="suggestions"),
    path("imports/", imports.BatchList.as_view(), name="imports"),
    path("imports/<int:pk>/", imports.BatchDetail.as_view(), name="import"),
    path("imports/<int:pk>/commit/", imports.BatchCommit.as_view(), name="import_commit"),
    path("imports/<int:pk>/cancel/", imports.BatchCancel.as_view(), name="import_cancel"),
    # Anything else under /api/ answers in the API's error shape, not with the HTML 404 page.
    re_path(r"^.*$", not_found),
]
