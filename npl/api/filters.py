"""The loan list's filters for the API: the page's LoanFilterSet, with units given by id.

On the page a unit is picked from a list of the person's units; an API caller sends any number, and a
unit outside the scope (or none at all) simply matches no loan — never an error that tells them apart.
"""
from decimal import Decimal

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from npl.loans.filtersets import LoanFilterSet, category_choices

# Amounts fit DecimalField(max_digits=18, decimal_places=2); the bounds are in the schema too.
AMOUNT_BOUND = Decimal("9999999999999999.99")


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ApiLoanFilterSet(LoanFilterSet):
    """LoanFilterSet with township / community / branch as plain ids."""

    township = IdFilter(field_name="township_id", label="乡镇 id")
    community = IdFilter(field_name="community_id", label="社区/村 id")
    branch = IdFilter(field_name="branch_id", label="网点 id")
    # The page's category filter takes its choices from a callable, which drf-spectacular cannot read.
    category = django_filters.ChoiceFilter(choices=category_choices(), method="filter_category", label="特殊类别")
    balance_min = django_filters.NumberFilter(field_name="principal_balance", lookup_expr="gte", label="余额不低于（元）",
                                              min_value=-AMOUNT_BOUND, max_value=AMOUNT_BOUND)
    balance_max = django_filters.NumberFilter(field_name="principal_balance", lookup_expr="lte", label="余额不高于（元）",
                                              min_value=-AMOUNT_BOUND, max_value=AMOUNT_BOUND)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # Skip the page's unit choice lists (they exist to fill <select>s); keep everything else.
        django_filters.FilterSet.__init__(self, data, queryset, request=request, prefix=prefix)

    def filter_q(self, queryset, name, value):
        # A NUL cannot be in a name or loan number (and PostgreSQL refuses it in a query): drop it.
        return super().filter_q(queryset, name, value.replace("\x00", ""))


def _amount(name: str, label: str) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "number", "minimum": -AMOUNT_BOUND, "maximum": AMOUNT_BOUND}, description=label)


def loan_filter_parameters() -> list[OpenApiParameter]:
    """What drf-spectacular cannot guess from the filterset (integer ids, amount bounds)."""
    return [
        OpenApiParameter("township", OpenApiTypes.INT, description="乡镇 id"),
        OpenApiParameter("community", OpenApiTypes.INT, description="社区/村 id"),
        OpenApiParameter("branch", OpenApiTypes.INT, description="网点 id"),
        _amount("balance_min", "本金余额不低于（元）"),
        _amount("balance_max", "本金余额不高于（元）"),
    ]
