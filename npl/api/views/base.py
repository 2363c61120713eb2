"""What every API view shares: the day asked for, the scoped loan, the township of a report."""
import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from npl.loans.models import Loan

AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计日期（YYYY-MM-DD），默认今天")
TOWNSHIP = OpenApiParameter("township", OpenApiTypes.INT, description="乡镇 id（区级角色可选；乡镇角色只能是本乡镇）")
LOAN_NO = OpenApiParameter("loan_no", OpenApiTypes.STR, OpenApiParameter.PATH, description="借据号")


def as_of(request) -> dt.date:
    """?as_of=YYYY-MM-DD (default today); a bad day is a 400 naming the field."""
    raw = (request.query_params.get("as_of") or "").strip()
    if not raw:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({"as_of": [f"统计日期“{raw}”无效，应为 YYYY-MM-DD"]}) from exc


def scoped_loans(request):
    """The one starting point: the loans this person (or this token's service user) may reach."""
    return Loan.objects.for_user(request.user)


def loan_or_404(request, loan_no: str) -> Loan:
    """A loan in scope; outside it the same 404 as a loan that does not exist."""
    return get_object_or_404(scoped_loans(request), loan_no=loan_no)


def not_found(request, *args, **kwargs):
    """An unknown /api/ address: the API's 404 shape."""
    from django.http import JsonResponse

    from npl.api.errors import body

    return JsonResponse(body("not_found", "接口地址不存在"), status=404, json_dumps_params={"ensure_ascii": False})
