"""The loan list's filters: units, status, classification, balance range, mortgage, category and one search box."""
import django_filters
from django import forms

from npl.core.categories import CATEGORIES
from npl.loans import totals
from npl.loans.choices import Classification, LoanStatus
from npl.loans.models import Loan
from npl.org.models import Branch, Community, District, Township


def category_choices() -> list[tuple[str, str]]:
    """Categories in DOMAIN order, each followed by its subcategories (indented)."""
    out = []
    for cat in CATEGORIES:
        out.append((cat.code, cat.name))
        out.extend((sub.code, f"　└ {sub.name}") for sub in cat.subcategories)
    return out


class LoanFilterSet(django_filters.FilterSet):
    """Filters over a queryset already limited by Loan.objects.for_user; unit choices follow that scope."""

    q = django_filters.CharFilter(
        method="filter_q",
        label="搜索",
        widget=forms.TextInput(attrs={"placeholder": "姓名、拼音首字母（如 zs）、借据号或身份证后四位", "type": "search"}),
    )
    # Only a city's or province's office chooses among districts (the drill-down from its home page).
    district = django_filters.ModelChoiceFilter(
        field_name="township__district", queryset=District.objects.none(), label="区", empty_label="全部区"
    )
    township = django_filters.ModelChoiceFilter(queryset=Township.objects.none(), label="乡镇", empty_label="全部乡镇")
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.none(), label="社区/村", empty_label="全部社区/村")
    branch = django_filters.ModelChoiceFilter(queryset=Branch.objects.none(), label="网点", empty_label="全部网点")
    status = django_filters.ChoiceFilter(choices=LoanStatus.choices, label="状态", empty_label="全部状态")
    classification = django_filters.ChoiceFilter(
        choices=Classification.choices, label="五级分类", empty_label="全部分类"
    )
    balance_min = django_filters.NumberFilter(field_name="principal_balance", lookup_expr="gte", label="余额不低于（元）")
    balance_max = django_filters.NumberFilter(field_name="principal_balance", lookup_expr="lte", label="余额不高于（元）")
    has_mortgage = django_filters.ChoiceFilter(
        choices=[("1", "含抵押"), ("0", "不含抵押")], method="filter_mortgage", label="抵押", empty_label="抵押不限"
    )
    category = django_filters.ChoiceFilter(
        choices=category_choices, method="filter_category", label="特殊类别", empty_label="全部类别"
    )

    class Meta:
        model = Loan
        fields = ["q", "district", "township", "community", "branch", "status", "classification", "has_mortgage", "category"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Offer only the units that hold loans the person may see: from the stored totals when the person sees whole
        # units (a few rows per unit: loans.totals), else from their loans (a collector's, a liaison's: few).
        user = getattr(request, "user", None)
        stored = totals.for_user(user) if user is not None else None
        source, village = (stored, "community_key") if stored is not None else (self.queryset, "community_id")
        if user is not None and getattr(user, "is_region_wide", False):
            self.filters["district"].queryset = District.objects.filter(pk__in=source.values("township__district_id"))
        else:
            del self.filters["district"]
        self.filters["township"].queryset = Township.objects.filter(pk__in=source.values("township_id"))
        self.filters["community"].queryset = Community.objects.filter(pk__in=source.values(village)).select_related(
            "township"
        )
        self.filters["branch"].queryset = Branch.objects.filter(pk__in=source.values("branch_id"))

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_mortgage(self, queryset, name, value):
        return queryset.filter(has_mortgage=value == "1")

    def filter_category(self, queryset, name, value):
        # Today's stored membership (categories.Membership, issue 16), through the reverse relation.
        return queryset.filter(memberships__code=value, memberships__balance__gt=0)
