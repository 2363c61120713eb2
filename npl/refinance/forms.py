"""Forms of the refinancing pages; step forms carry the request version they were shown with."""
from django import forms

from npl.litigation.forms import YuanField, date_input
from npl.refinance.choices import BRANCH_STEPS, Kind, Step


class RequestForm(forms.Form):
    loan_no = forms.CharField(label="借据号", max_length=50)
    kind = forms.ChoiceField(label="申请类型", choices=Kind.choices)
    amount = YuanField(label="申请金额（元，可不填）", required=False)
    reason = forms.CharField(label="申请理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    township_agreed = forms.BooleanField(
        label="本乡镇同意该申请（由平台记录同意人和时间，无需纸质盖章）", required=True,
        error_messages={"required": "请确认乡镇同意"},
    )


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[(s, Step(s).label) for s in BRANCH_STEPS] + [(Step.WITHDRAWN, Step.WITHDRAWN.label)])
    note = forms.CharField(label="说明", max_length=300, required=False)
    new_loan_no = forms.CharField(label="新借据号（放款时填写）", max_length=50, required=False)
    payoff_txn_no = forms.CharField(label="还旧交易流水号", max_length=64, required=False)
    payoff_amount = YuanField(label="还旧金额（元）", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PeriodForm(forms.Form):
    since = forms.DateField(label="申请日期自", required=False, widget=date_input())
    until = forms.DateField(label="至", required=False, widget=date_input())
