"""The loan list's filters for the API: the page's LoanFilterSet, with units given by id.

On the page a unit is picked from a list of the person's units; an API caller sends any number, and a
unit outside the scope (or none at all) simply matches no loan — never an error that tells them apart.
"""
from decimal import Decimal

import django_filters
from django import forms
from drf_spectacular.utils import OpenApiParameter

from npl.loans.filtersets import LoanFilterSet, category_choices

# Amounts fit DecimalField(max_digits=18, decimal_places=2); the bounds are in the schema too.
AMOUNT_BOUND = Decimal("9999999999999999.99")


# An id fits a 64-bit integer column (SQLite and PostgreSQL): a larger number cannot be sent to the database.
ID_BOUND = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -ID_BOUND)
        kwargs.setdefault("max_value", ID_BOUND)
        super().__init__(*args, **kwargs)


class ApiLoanFilterSet(LoanFilterSet):
    """LoanFilterSet with township / community / branch as plain ids."""

    district = IdFilter(field_name="township__district_id", label="区 id")
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
        # A NUL in the search text is dropped before the form sees it (its validator would refuse the whole
        # query with a 400 for a character no name or loan number holds).
        if data is not None and "\x00" in (data.get("q") or ""):
            data = data.copy()
            data["q"] = data["q"].replace("\x00", "")
        # Skip the page's unit choice lists (they exist to fill <select>s); keep everything else.
        django_filters.FilterSet.__init__(self, data, queryset, request=request, prefix=prefix)

    def filter_q(self, queryset, name, value):
        # A NUL cannot be in a name or loan number (and PostgreSQL refuses it in a query): drop it.
        return super().filter_q(queryset, name, value.replace("\x00", ""))


def _amount(name: str, label: str) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "number", "minimum": -AMOUNT_BOUND, "maximum": AMOUNT_BOUND}, description=label)


def _id(name: str, label: str) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "integer", "minimum": -ID_BOUND, "maximum": ID_BOUND}, description=label)


def loan_filter_parameters() -> list[OpenApiParameter]:
    """What drf-spectacular cannot guess from the filterset (integer ids, amount bounds)."""
    return [
        _id("district", "区 id（市、省金融办按区查看）"),
        _id("township", "乡镇 id"),
        _id("community", "社区/村 id"),
        _id("branch", "网点 id"),
        _amount("balance_min", "本金余额不低于（元）"),
        _amount("balance_max", "本金余额不高于（元）"),
    ]
