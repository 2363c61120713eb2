"""Forms of the campaign pages: a new campaign, a reduction request, a decision."""
from django import forms

from npl.org.models import District, Township


class CampaignForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    baseline = forms.DateField(label="基准日", widget=forms.DateInput(attrs={"type": "date"}))
    township = forms.ModelChoiceField(label="范围", queryset=Township.objects.none(), required=False, empty_label="全区")
    ends_on = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        district = user.district if user is not None and user.district_id else District.current()
        self.fields["township"].queryset = Township.objects.filter(district=district)


class ReductionForm(forms.Form):
    loan_no = forms.CharField(label="借据号", max_length=50)
    reason = forms.CharField(label="核减理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label="证明材料")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("refuse", "驳回")])
    note = forms.CharField(label="审批意见", max_length=500, required=False)
