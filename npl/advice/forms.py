"""Forms of the advice pages: a rule (condition as JSON, validated by the model), done, dismiss, reassignment."""
import json

from django import forms

from npl.advice.choices import ActionCode
from npl.advice.models import SuggestionRule


class ConditionField(forms.CharField):
    """The condition as JSON text; a syntax error is named with its line and column."""

    widget = forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, indent=1)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"触发条件不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近（{exc.msg}）") from exc


class RuleForm(forms.ModelForm):
    condition = ConditionField(label="触发条件（JSON）")

    class Meta:
        model = SuggestionRule
        fields = ["code", "name", "enabled", "action", "condition", "text", "priority", "due_from", "due_in_days", "due_cap",
                  "cap_margin_days", "legal_basis", "script", "evidence"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "script": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True  # states and the CLI refer to rules by code


class DoneForm(forms.Form):
    loan_no = forms.CharField(widget=forms.HiddenInput)
    rule = forms.CharField(widget=forms.HiddenInput)
    due = forms.DateField(widget=forms.HiddenInput)
    action = forms.IntegerField(label="对应的催收记录", error_messages={"required": "请选择对应的催收记录"})


class DismissForm(forms.Form):
    loan_no = forms.CharField(widget=forms.HiddenInput)
    rule = forms.CharField(widget=forms.HiddenInput)
    due = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(label="不采纳原因", max_length=300, error_messages={"required": "请填写不采纳的原因"})


class AssignForm(forms.Form):
    borrower = forms.IntegerField(widget=forms.HiddenInput)
    collector = forms.IntegerField(label="清收人员", error_messages={"required": "请选择清收人员"})
    versions = forms.CharField(widget=forms.HiddenInput)

    def clean_versions(self):
        try:
            raw = json.loads(self.cleaned_data["versions"])
            return {int(k): int(v) for k, v in raw.items()}
        except (ValueError, AttributeError) as exc:
            raise forms.ValidationError("请求无效，请刷新后重试") from exc


ACTION_LABELS = dict(ActionCode.choices)
