"""The loan's flow: collection actions, field repayments and their review, plans, litigation cases.

Reads start from the scoped loans; writes call collection.services (the same rules, events and audit
as the 处置 pages) and answer with what the service made.
"""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from npl.api.serializers import (
    ActionInputSerializer,
    ActionSerializer,
    CaseSerializer,
    PlanInputSerializer,
    PlanSerializer,
    RepaymentInputSerializer,
    RepaymentSerializer,
    ReviewInputSerializer,
)
from npl.api.views.base import StrictQueryMixin, loan_or_404, scoped_loans
from npl.collection import services
from npl.collection.models import CollectionAction, Repayment, RepaymentPlan
from npl.litigation.models import LitigationCase


class LoanFilteredList(StrictQueryMixin, generics.ListAPIView):
    """A list over the loans in scope, narrowed to one loan by the URL (`/loans/<loan_no>/…`) when given."""

    model = None
    filter_backends = [OrderingFilter]

    def base_queryset(self):
        return self.model.objects.filter(loan__in=scoped_loans(self.request)).select_related("loan")

    def get_queryset(self):
        qs = self.base_queryset()
        if "loan_no" in self.kwargs:
            qs = qs.filter(loan=loan_or_404(self.request, self.kwargs["loan_no"]))
        return qs


class LoanCreate(generics.CreateAPIView):
    """POST under `/loans/<loan_no>/…`: the body checked for shape, then the service makes the object (201)."""

    input_serializer = None

    def make(self, loan, user, data: dict):
        """Call the service that makes the object; its rules and refusals are the service's."""
        raise NotImplementedError

    def create(self, request, loan_no: str):
        loan = loan_or_404(request, loan_no)
        made = self.make(loan, request.user, _valid(self.input_serializer, request))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["催收"], summary="催收记录（范围内全部）")
class ActionList(LoanFilteredList):
    """催收台账 of the loans in scope, newest first by default."""

    model = CollectionAction
    serializer_class = ActionSerializer
    ordering_fields = ["acted_on", "id"]
    ordering = ["-acted_on", "-id"]


@extend_schema_view(
    get=extend_schema(tags=["催收"], summary="一笔贷款的催收记录"),
    post=extend_schema(tags=["催收"], summary="登记催收记录", request=ActionInputSerializer, responses={201: ActionSerializer}),
)
class LoanActions(ActionList, LoanCreate):
    """GET the loan's actions; POST records one through collection.services.record_action."""

    input_serializer = ActionInputSerializer

    def make(self, loan, user, data):
        return services.record_action(loan, user, **data)


@extend_schema(tags=["还款"], summary="还款记录（范围内全部）")
class RepaymentList(LoanFilteredList):
    """Repayments of the loans in scope (bank flow and field-recorded, with their review state)."""

    model = Repayment
    serializer_class = RepaymentSerializer
    ordering_fields = ["paid_on", "id"]
    ordering = ["-paid_on", "-id"]


@extend_schema_view(
    get=extend_schema(tags=["还款"], summary="一笔贷款的还款记录"),
    post=extend_schema(tags=["还款"], summary="登记现场还款（待网点确认）", request=RepaymentInputSerializer,
                       responses={201: RepaymentSerializer}),
)
class LoanRepayments(RepaymentList, LoanCreate):
    """GET the loan's repayments; POST records a field repayment (collection.services.record_repayment)."""

    input_serializer = RepaymentInputSerializer

    def make(self, loan, user, data):
        return services.record_repayment(loan, user, **data)


@extend_schema(tags=["还款"], summary="网点确认或退回现场还款", request=ReviewInputSerializer, responses=RepaymentSerializer)
class RepaymentReview(StrictQueryMixin, APIView):
    """Maker-checker: branch staff of the loan's branch confirm or refuse (collection.services.review_repayment)."""

    def post(self, request, pk: int):
        rep = get_object_or_404(Repayment.objects.filter(loan__in=scoped_loans(request)), pk=pk)
        data = _valid(ReviewInputSerializer, request)
        rep = services.review_repayment(rep, request.user, confirm=data["confirm"], reason=data["reason"])
        return Response(RepaymentSerializer(rep).data)


@extend_schema(tags=["还款计划"], summary="还款计划（一笔一策，范围内全部）")
class PlanList(LoanFilteredList):
    """Plans of the loans in scope with their instalments."""

    model = RepaymentPlan
    serializer_class = PlanSerializer
    ordering_fields = ["submitted_at", "id"]
    ordering = ["-submitted_at", "-id"]

    def base_queryset(self):
        return super().base_queryset().prefetch_related("instalments")


@extend_schema_view(
    get=extend_schema(tags=["还款计划"], summary="一笔贷款的还款计划"),
    post=extend_schema(tags=["还款计划"], summary="提交还款计划（待乡镇审批）", request=PlanInputSerializer,
                       responses={201: PlanSerializer}),
)
class LoanPlans(PlanList, LoanCreate):
    """GET the loan's plans; POST submits one (collection.services.submit_plan)."""

    input_serializer = PlanInputSerializer

    def make(self, loan, user, data):
        return services.submit_plan(
            loan, user, signed_on=data["signed_on"], measures=data["measures"],
            instalments=[(row["due_on"], row["amount"]) for row in data["instalments"]],
        )


def scoped_cases(request):
    return LitigationCase.objects.for_user(request.user).select_related("loan__borrower").prefetch_related("stages")


@extend_schema(tags=["诉讼"], summary="涉诉案件")
class CaseList(StrictQueryMixin, generics.ListAPIView):
    """Cases of the loans in scope (the court liaison: every loan with a case)."""

    serializer_class = CaseSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["counted_from", "filed_on", "id"]
    ordering = ["-counted_from", "-id"]

    def get_queryset(self):
        return scoped_cases(self.request)


@extend_schema(tags=["诉讼"], summary="一个涉诉案件及其阶段")
class CaseDetail(StrictQueryMixin, generics.RetrieveAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        return scoped_cases(self.request)


def _valid(serializer_class, request) -> dict:
    """The request body checked for shape and types (rules are the service's); a 400 names each field."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
