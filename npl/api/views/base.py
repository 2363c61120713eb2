"""What every API view shares: the day asked for, the scoped loan, the township of a report."""
import datetime as dt
import re

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from npl.loans.models import Loan

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ID = re.compile(r"[0-9]{1,18}")
AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计日期（YYYY-MM-DD），默认今天")
TOWNSHIP = OpenApiParameter("township", {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, description="乡镇 id（区级角色可选；乡镇角色只能是本乡镇）")
LOAN_NO = OpenApiParameter("loan_no", OpenApiTypes.STR, OpenApiParameter.PATH, description="借据号")


def as_of(request) -> dt.date:
    """?as_of=YYYY-MM-DD (default today); a bad day is a 400 naming the field."""
    raw = request.query_params.get("as_of")
    if raw is None or raw == "":
        return timezone.localdate()
    try:
        if not DAY.fullmatch(raw):  # fromisoformat would also take 20260331; the schema says YYYY-MM-DD
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({"as_of": [f"统计日期“{raw}”无效，应为 YYYY-MM-DD"]}) from exc


def township_param(request) -> None:
    """?township= is an id of ASCII digits (the page's rule then decides 404 outside the person's township)."""
    raw = request.query_params.get("township")
    if raw not in (None, "") and not ID.fullmatch(raw):
        raise exceptions.ValidationError({"township": [f"乡镇 id“{raw}”无效，应为整数"]})


def scoped_loans(request):
    """The one starting point: the loans this person (or this token's service user) may reach."""
    return Loan.objects.for_user(request.user)


def loan_or_404(request, loan_no: str) -> Loan:
    """A loan in scope; outside it the same 404 as a loan that does not exist."""
    if "\x00" in loan_no:  # no loan number holds a NUL, and PostgreSQL refuses one in a query
        raise Http404
    return get_object_or_404(scoped_loans(request), loan_no=loan_no)


@csrf_exempt  # answers 404 to every method; nothing to protect, and a CSRF refusal would be an HTML 403
def not_found(request, *args, **kwargs):
    """An unknown /api/ address: the API's 404 shape."""
    from django.http import JsonResponse

    from npl.api.errors import body

    return JsonResponse(body("not_found", "接口地址不存在"), status=404, json_dumps_params={"ensure_ascii": False})


# Parameters that are numbers, days or codes: given empty, they are a mistake, not "no filter" as on a form.
NOT_EMPTY = {"page", "township", "community", "branch", "balance_min", "balance_max", "as_of", "status", "classification",
             "category", "has_mortgage"}


def known_query_parameters(view) -> set[str]:
    """The query parameters a view reads: its pagination, ordering, filterset and the ones it declares itself."""
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.filters import OrderingFilter, SearchFilter

    known = set(getattr(view, "query_parameters", ()))
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        known |= {p for p in (getattr(paginator, "page_query_param", None), getattr(paginator, "page_size_query_param", None)) if p}
    for backend in getattr(view, "filter_backends", ()):
        if issubclass(backend, OrderingFilter):
            known.add(backend.ordering_param)
        elif issubclass(backend, SearchFilter):
            known.add(backend.search_param)
        elif issubclass(backend, DjangoFilterBackend) and getattr(view, "filterset_class", None) is not None:
            known |= set(view.filterset_class.base_filters)
    return known


class StrictQueryMixin:
    """Every API view: a query parameter given twice or one the view does not know is refused, after authentication.

    An unknown parameter is a 400, never ignored: `?loan_no=X` misspelt on the loan list would otherwise
    answer with the caller's whole scope as if it had been filtered. `query_parameters` names what a view
    reads itself (`as_of`, `township`…); pagination, ordering and filterset parameters are known already.
    """

    query_parameters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        errors = {}
        known = known_query_parameters(self) if request.method in ("GET", "HEAD") else None
        for key, values in request.query_params.lists():
            if known is not None and key not in known:
                allowed = "、".join(sorted(known)) or "无"
                errors[key] = [f"不支持查询参数“{key}”（可用：{allowed}）"]
            elif len(values) > 1:
                errors[key] = [f"参数“{key}”只能出现一次"]
            elif key in NOT_EMPTY and values[0] == "":
                errors[key] = [f"参数“{key}”不能为空（不筛选时请省略该参数）"]
        if errors:
            raise exceptions.ValidationError(errors)
