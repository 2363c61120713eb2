"""Forms of the case pages. Each carries the case version it was shown with (optimistic locking)."""
from django import forms
from django.utils import timezone

from npl.core.money import AmountError, parse_yuan
from npl.litigation import stages
from npl.litigation.choices import Direction

DATE = {"type": "date"}


def date_input():
    """A date picker; its value must be ISO whatever the locale's display format is."""
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


class YuanField(forms.CharField):
    """An amount in 元 typed by a person: parsed with core.money, never through float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_yuan(value)
        except AmountError as exc:
            raise forms.ValidationError(str(exc)) from exc


class VersionedForm(forms.Form):
    """A case form; several share one page, so each gets its own id prefix (names stay plain)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    id_prefix = "case"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class FileCaseForm(forms.Form):
    direction = forms.ChoiceField(label="诉讼类型", choices=Direction.choices, initial=Direction.BANK_SUED_BORROWER)
    case_no = forms.CharField(label="案号", max_length=100)
    court = forms.CharField(label="受理法院", max_length=100, required=False)
    filed_on = forms.DateField(label="起诉日期", widget=date_input())
    note = forms.CharField(label="说明", max_length=300, required=False)


class StageForm(VersionedForm):
    id_prefix = "stage"
    stage = forms.ChoiceField(label="新阶段", choices=())
    on = forms.DateField(label="日期", widget=date_input())
    enforcement_case_no = forms.CharField(label="执行案号（执行立案时填写）", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the stages the case may move to; the service re-checks whatever is posted.
        offered = [(s, stages.label(s)) for s in choices]
        posted = self.data.get(self.add_prefix("stage")) if self.is_bound else None
        if posted and posted not in dict(offered) and posted in stages.NEXT:
            offered.append((posted, stages.label(posted)))
        self.fields["stage"].choices = offered
        if "enforcing" not in dict(offered):  # the number is asked for only where 执行立案 is on offer
            del self.fields["enforcement_case_no"]
        self.fields["on"].initial = timezone.localdate()


class JudgmentForm(VersionedForm):
    id_prefix = "judgment"
    amount = YuanField(label="判决/调解金额（元）")
    judgment_on = forms.DateField(label="判决/调解日期", required=False, widget=date_input())
    performance_due = forms.DateField(label="履行期限届满日", required=False, widget=date_input())


class RecoveryForm(VersionedForm):
    id_prefix = "recovery"
    amount = YuanField(label="执行到位金额（元）")
    on = forms.DateField(label="到位日期", widget=date_input())
    txn_no = forms.CharField(label="还款流水号", max_length=64, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class ListingForm(VersionedForm):
    id_prefix = "listing"
    action = forms.ChoiceField(choices=[("request", "申请纳入失信名单"), ("listed", "已纳入失信名单")])
    on = forms.DateField(label="日期", widget=date_input())
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
