"""Forms of the category pages: manual add/remove requests, decisions, and the threshold."""
from django import forms

from npl.categories.choices import CATEGORIES
from npl.categories.models import ManualMembership


def code_choices():
    out = []
    for cat in CATEGORIES:
        out.append((cat.code, cat.name))
        out.extend((s.code, f"　└ {s.name}") for s in cat.subcategories)
    return out


class ManualRequestForm(forms.Form):
    loan_no = forms.CharField(label="借据号", max_length=50)
    code = forms.ChoiceField(label="类别", choices=code_choices)
    op = forms.ChoiceField(label="操作", choices=ManualMembership.Op.choices)
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("refuse", "驳回")])
    note = forms.CharField(label="审批意见", max_length=500, required=False)


class ThresholdForm(forms.Form):
    value = forms.DecimalField(label="大额抵押门槛（元）", max_digits=18, decimal_places=2, min_value=0.01)
