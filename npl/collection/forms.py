"""Forms of the 处置 pages: phone-first widgets (date pickers, decimal keypad, camera capture); rules stay in services."""
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from npl.accounts.choices import Role
from npl.accounts.models import User
from npl.collection.choices import AllocationOrder, Channel, DemandBy, DemandEvidence, Method, Outcome, Signature
from npl.collection.services import check_evidence

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal("0.01")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def money_field(label: str, *, required: bool = True) -> forms.DecimalField:
    # DecimalField parses text straight to Decimal (never float); the keypad shows digits and a point.
    return forms.DecimalField(label=label, required=required, widget=forms.NumberInput(attrs={
        "step": "0.01", "min": "0.01", "inputmode": "decimal"}), **MONEY)


class EvidenceField(forms.FileField):
    """A photo taken on the spot (capture) or a PDF scan; type and size are checked by content."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label=label, required=False, widget=forms.ClearableFileInput(attrs={
            "accept": "image/*,application/pdf", "capture": "environment"}), **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_evidence(upload)
        return upload


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: field errors on their fields, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ActionForm(forms.Form):
    """催收记录 in the field: date, method, outcome code, 签收情况, promise, evidence photo, next follow-up."""

    acted_on = forms.DateField(label="催收日期", widget=DateInput())
    method = forms.ChoiceField(label="催收方式", choices=Method.choices)
    outcome_code = forms.ChoiceField(label="接触结果", choices=Outcome.choices)
    signature = forms.ChoiceField(label="签收情况", required=False,
                                  choices=[("", "无书面通知（电话、上门未送达文书）")] + list(Signature.choices))
    promise_amount = money_field("承诺还款金额（元）", required=False)
    promise_date = forms.DateField(label="承诺还款日期", required=False, widget=DateInput())
    evidence = EvidenceField("证据照片（签收的催收通知书等）")
    next_follow_up = forms.DateField(label="下次跟进日期", required=False, widget=DateInput())
    note = forms.CharField(label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acted_on"].initial = timezone.localdate()


class RepaymentForm(forms.Form):
    """现场还款: the amount received; the split over costs, interest and principal follows the contract."""

    paid_on = forms.DateField(label="还款日期", widget=DateInput())
    amount = money_field("实收金额（元）")
    channel = forms.ChoiceField(label="还款方式", choices=Channel.choices)
    new_loan_no = forms.CharField(label="新贷款借据号（借新还旧时填写）", required=False, max_length=50)
    continuing_guarantors = forms.ModelMultipleChoiceField(
        label="为新贷款继续担保的保证人（其余保证人将解除）", required=False, queryset=None, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["continuing_guarantors"].queryset = loan.guarantors.filter(released_on__isnull=True)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "确认"), ("refuse", "退回")])
    reason = forms.CharField(label="退回原因", required=False, max_length=300)


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label="应还日期", required=False, widget=DateInput())
    amount = money_field("应还金额（元）", required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("due_on")) != bool(data.get("amount")):
            raise ValidationError("每期须同时填写应还日期和金额")
        return data


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=6, max_num=60)


class PlanForm(forms.Form):
    """一笔一策: the borrower's signed plan, its people and measures; instalments come in a formset."""

    signed_on = forms.DateField(label="借款人签字日期", widget=DateInput())
    responsible_leader = forms.ModelChoiceField(label="责任领导", queryset=None, required=False)
    responsible_person = forms.ModelChoiceField(label="责任人", queryset=None, required=False)
    measures = forms.CharField(label="清收措施", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = EvidenceField("借款人签字的还款计划（照片）")

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        # People only: an API token's service account (api.ApiToken.user) may hold a township role too.
        people = (User.objects.filter(township_id=loan.township_id, is_active=True, api_token__isnull=True)
                  .order_by("display_name", "username"))
        self.fields["responsible_leader"].queryset = people.filter(role=Role.TOWNSHIP_ADMIN)
        self.fields["responsible_person"].queryset = people.filter(role=Role.COLLECTOR)
        self.fields["responsible_leader"].initial = loan.responsible_leader_id
        self.fields["responsible_person"].initial = loan.responsible_person_id


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("refuse", "驳回")])
    note = forms.CharField(label="审批意见", required=False, max_length=300)


class MoveForm(forms.Form):
    """A workflow move from the 处置 page; `version` is what the page showed (optimistic locking)."""

    to_state = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="原因", required=False, max_length=500)


class SuspendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    until = forms.DateField(label="停息截止日期（服刑人员默认刑满释放日期）", required=False, widget=DateInput())
    reason = forms.CharField(label="原因", max_length=300)


class ResumeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="恢复计息原因", max_length=300)


class TermsForm(forms.Form):
    allocation_order = forms.ChoiceField(label="还款冲抵顺序", choices=AllocationOrder.choices)
    note = forms.CharField(label="合同依据（条款）", required=False, max_length=300)


class GuarantorDemandForm(forms.Form):
    """要求保证人承担保证责任: which guarantor, the day, who demanded and how it is proved (photo of the receipt)."""

    guarantor = forms.ModelChoiceField(label="保证人", queryset=None, empty_label=None)
    demanded_on = forms.DateField(label="要求承担保证责任日期", widget=DateInput())
    made_by = forms.ChoiceField(label="主张人", choices=DemandBy.choices)
    evidence_type = forms.ChoiceField(label="证据类型", choices=DemandEvidence.choices)
    evidence = EvidenceField("证据照片（签收回执、妥投记录或公证书）")
    note = forms.CharField(label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guarantor"].queryset = loan.guarantors.order_by("pk")
        self.fields["demanded_on"].initial = timezone.localdate()
