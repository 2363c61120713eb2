"""Reports: the nine categories, campaigns and their summaries, the legal clocks — the dicts the pages and
the command line use, for the same township and day rules as the pages (categories.access.report_scope)."""
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from npl.api.shapes import (
    CampaignSerializer,
    CampaignSummarySerializer,
    CategoryReportSerializer,
    ClocksReportSerializer,
    SuggestionsSerializer,
)
from npl.api.views.base import AS_OF, TOWNSHIP, StrictQueryMixin, as_of, loan_or_404, scoped_loans, township_param
from npl.campaigns.access import require_follower, require_township_in_campaign, visible_campaigns


def _scope(request):
    """The page's rule for ?township= and ?as_of= (404 outside a township role's own); a bad day is a 400."""
    from npl.categories.access import report_scope

    day = as_of(request)  # validates ?as_of= first: the page shows a message, an API answers 400
    township_param(request)
    scope = report_scope(request)
    scope.day = day
    return scope


@extend_schema(tags=["特殊类别"], summary="九类特殊贷款统计", parameters=[AS_OF, TOWNSHIP], responses=CategoryReportSerializer)
class CategoryReport(StrictQueryMixin, APIView):
    """npl.categories.reports.category_report for what the person may see (as `npl report categories --json`)."""

    query_parameters = ("as_of", "township")

    def get(self, request):
        from npl.categories.reports import category_report

        scope = _scope(request)
        data = category_report(township=scope.township, as_of=scope.day, user=request.user)
        data["scope"] = scope.label
        return Response(data)


def _campaigns(request):
    require_follower(request.user)
    return visible_campaigns(request.user)


@extend_schema(tags=["清收行动"], summary="清收行动")
class CampaignList(StrictQueryMixin, generics.ListAPIView):
    """Campaigns the person may follow, newest baseline first."""

    serializer_class = CampaignSerializer

    def get_queryset(self):
        return _campaigns(self.request).order_by("-baseline", "name")


@extend_schema(tags=["清收行动"], summary="清收行动汇总（任务、已清收、清收率）", parameters=[AS_OF, TOWNSHIP],
               responses=CampaignSummarySerializer)
class CampaignSummary(StrictQueryMixin, APIView):
    """npl.campaigns.figures.summary over what the person may see (as `npl campaign summary --json`)."""

    query_parameters = ("as_of", "township")

    def get(self, request, pk: int):
        from npl.campaigns.figures import summary

        campaign = get_object_or_404(_campaigns(request), pk=pk)
        scope = _scope(request)
        require_township_in_campaign(campaign, scope.township)
        return Response(summary(campaign, scope.day, township=scope.township, user=request.user))


@extend_schema(tags=["法律时效"], summary="法律时效（每笔贷款一行）", parameters=[AS_OF, TOWNSHIP], responses=ClocksReportSerializer)
class ClocksReport(StrictQueryMixin, APIView):
    """npl.collection.clocks.gather.clocks_report over the loans in scope (as `npl report clocks --json`)."""

    query_parameters = ("as_of", "township")

    def get(self, request):
        from npl.collection.clocks.gather import clocks_report

        scope = _scope(request)  # an account without a role is refused there, as on the pages
        data = clocks_report(township=scope.township, as_of=scope.day, user=request.user)
        data["scope"] = scope.label
        return Response(data)


LOAN_NO_FILTER = OpenApiParameter("loan_no", OpenApiTypes.STR, description="只看这一笔贷款")


@extend_schema(tags=["清收建议"], summary="清收建议（范围内的贷款）", parameters=[AS_OF, TOWNSHIP, LOAN_NO_FILTER],
               responses=SuggestionsSerializer)
class Suggestions(StrictQueryMixin, APIView):
    """npl.advice.services.suggestions_for over the loans in scope (optionally one township or one loan)."""

    query_parameters = ("as_of", "township", "loan_no")

    def get(self, request):
        from npl.advice.services import suggestions_for

        scope = _scope(request)  # the reports' rule: another township's id is a 404, not an empty list
        day = scope.day
        loans = scoped_loans(request)
        if scope.township is not None:
            loans = loans.filter(township_id=scope.township.pk)
        if "loan_no" in request.query_params:
            loans = loans.filter(pk=loan_or_404(request, request.query_params["loan_no"]).pk)
        rows = [{**s.as_json(), "action_label": s.action_label, "rule_name": s.rule_name, "text": s.text,
                 "legal_basis": s.legal_basis} for s in suggestions_for(loans, day)]
        return Response({"as_of": day.isoformat(), "suggestions": rows})
