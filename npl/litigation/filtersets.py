"""The case list's filters: stage, direction, court, township, 失信 status and one search box."""
import django_filters
from django import forms
from django.db.models import Q

from npl.litigation.choices import Direction, Listing, Stage
from npl.litigation.models import LitigationCase
from npl.org.models import Township


class CaseFilterSet(django_filters.FilterSet):
    """Filters over cases already limited by LitigationCase.objects.for_user; choices follow that scope."""

    q = django_filters.CharFilter(
        method="filter_q", label="搜索",
        widget=forms.TextInput(attrs={"placeholder": "案号、执行案号、借据号或借款人", "type": "search"}),
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label="当前阶段", empty_label="全部阶段")
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label="诉讼类型", empty_label="全部类型")
    court = django_filters.ChoiceFilter(choices=(), label="受理法院", empty_label="全部法院")
    township = django_filters.ModelChoiceFilter(
        field_name="loan__township", queryset=Township.objects.none(), label="乡镇", empty_label="全部乡镇"
    )
    dishonest_listing = django_filters.ChoiceFilter(choices=Listing.choices, label="失信名单", empty_label="不限")

    class Meta:
        model = LitigationCase
        fields = ["q", "stage", "direction", "court", "township", "dishonest_listing"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        scoped = self.queryset
        courts = scoped.exclude(court="").order_by("court").values_list("court", flat=True).distinct()
        self.filters["court"].extra["choices"] = [(c, c) for c in courts]
        self.filters["township"].queryset = Township.objects.filter(pk__in=scoped.values("loan__township_id"))

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        from npl.loans.models import Loan

        loans = Loan.objects.filter(pk__in=queryset.values("loan_id")).search(value)
        return queryset.filter(
            Q(case_no__icontains=value) | Q(enforcement_case_no__icontains=value) | Q(loan__in=loans)
        )
