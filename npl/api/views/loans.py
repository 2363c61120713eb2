"""Loans (the ledger with its filters), one loan with its categories and clock, borrowers (masked)."""
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from npl.api.filters import ApiLoanFilterSet, loan_filter_parameters
from npl.api.serializers import BorrowerSerializer, LoanDetailSerializer, LoanSerializer
from npl.api.shapes import ClockRowSerializer
from npl.api.views.base import AS_OF, StrictQueryMixin, as_of, loan_or_404, scoped_loans
from npl.loans.models import Borrower

LOAN_RELATED = ("borrower", "township", "community", "branch", "responsible_person")


@extend_schema(tags=["贷款"], summary="贷款台账（筛选、排序、分页同页面）", parameters=loan_filter_parameters())
class LoanList(StrictQueryMixin, generics.ListAPIView):
    """贷款台账: the loans in scope, with the loan list's filters; ordering by ?ordering=; 50 a page."""

    serializer_class = LoanSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ApiLoanFilterSet
    ordering_fields = ["loan_no", "principal_balance", "maturity_date", "issue_date", "amount", "township__name",
                       "branch__name", "status", "classification"]
    ordering = ["loan_no"]

    def get_queryset(self):
        return scoped_loans(self.request).select_related(*LOAN_RELATED)


@extend_schema(tags=["贷款"], summary="一笔贷款（含今日所属特殊类别）")
class LoanDetail(StrictQueryMixin, generics.RetrieveAPIView):
    """One loan in scope, with the categories it is in today; outside the scope a 404."""

    serializer_class = LoanDetailSerializer
    lookup_field = "loan_no"

    def retrieve(self, request, *args, **kwargs):
        # Today's stored categories (categories.Membership, issue 16).
        from npl.categories.stored import loan_categories

        loan = loan_or_404(request, kwargs["loan_no"])
        context = {**self.get_serializer_context(), "categories": [
            {"code": code, "name": name} for code, name in loan_categories([loan.pk]).get(loan.pk, [])
        ]}
        return Response(LoanDetailSerializer(loan, context=context).data)


@extend_schema(tags=["法律时效"], summary="一笔贷款的法律时效", parameters=[AS_OF], responses=ClockRowSerializer)
class LoanClock(StrictQueryMixin, APIView):
    """The loan's limitation and enforcement clocks on a day (the row of `npl report clocks --json`)."""

    query_parameters = ("as_of",)

    def get(self, request, loan_no: str):
        from npl.collection.clocks.gather import loan_report_row

        loan = loan_or_404(request, loan_no)
        return Response(loan_report_row(loan, as_of(request)))  # today's stored row, or computed for another day


def scoped_borrowers(request):
    return Borrower.objects.for_user(request.user)


@extend_schema(tags=["借款人"], summary="借款人（脱敏）")
class BorrowerList(StrictQueryMixin, generics.ListAPIView):
    """Borrowers with at least one loan in scope; names and ID numbers masked as on screen."""

    serializer_class = BorrowerSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["id", "birth_date"]
    ordering = ["id"]

    def get_queryset(self):
        return scoped_borrowers(self.request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scoped_loans": scoped_loans(self.request)}


@extend_schema(tags=["借款人"], summary="一位借款人（脱敏）及其范围内的贷款")
class BorrowerDetail(StrictQueryMixin, generics.RetrieveAPIView):
    """A borrower with a loan in scope (else 404), listing only the loans in scope."""

    serializer_class = BorrowerSerializer

    def get_object(self):
        return get_object_or_404(scoped_borrowers(self.request), pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scoped_loans": scoped_loans(self.request)}
