"""Forms of the waiver pages: the payoff day, a request, a decision, a void, and the policy table's edits."""
from django import forms

from npl.categories.choices import CATEGORIES
from npl.waivers.choices import RepayMode
from npl.waivers.models import PolicyTier, PolicyVersion

DATE = forms.DateInput(attrs={"type": "date"})
CATEGORY_CHOICES = [("", "所有贷款（一般户）")] + [
    (code, name) for c in CATEGORIES for code, name in ((c.code, c.name), *((s.code, f"　{c.name} · {s.name}") for s in c.subcategories))
]


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="测算日期", required=False, widget=DATE)


class RequestForm(forms.Form):
    mode = forms.ChoiceField(label="还款方式", choices=RepayMode.choices)
    deadline = forms.DateField(label="约定还款期限", widget=DATE)
    agreed_amount = forms.DecimalField(label="约定还款金额（元，空则为测算应还金额）", max_digits=18, decimal_places=2,
                                       required=False, min_value=0)
    reason = forms.CharField(label="申请理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    exclude_from_kpi = forms.BooleanField(label="不计入考核", required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("refuse", "退回")])
    note = forms.CharField(label="审批意见", max_length=300, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300)


class VersionForm(forms.ModelForm):
    copy_from = forms.ModelChoiceField(label="复制档次自", queryset=PolicyVersion.objects.all(), required=False,
                                       empty_label="（不复制）")

    class Meta:
        model = PolicyVersion
        fields = ["name", "effective_from", "branch_limit", "reoffer_after_void", "note"]
        widgets = {"effective_from": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class TierForm(forms.ModelForm):
    category = forms.ChoiceField(label="适用类别", choices=CATEGORY_CHOICES, required=False)

    class Meta:
        model = PolicyTier
        fields = ["name", "category", "priority", "penalty_share", "compound_share", "interest_share", "mode", "repay_by",
                  "max_instalments", "note"]
        widgets = {"repay_by": DATE}


class MarkupForm(forms.Form):
    percent = forms.DecimalField(label="罚息上浮比例（%）", max_digits=5, decimal_places=2, min_value=0, max_value=100)
