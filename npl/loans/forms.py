"""Forms of the loan pages: the deliberate request to see a full ID number or phone."""
from django import forms


class RevealForm(forms.Form):
    """Why the person needs the full value; kept in the audit log beside who and when."""

    reason = forms.CharField(
        label="查看事由",
        max_length=200,
        min_length=2,  # accounts.services.MIN_REASON_LENGTH: the service refuses shorter ones too (and the API)
        error_messages={"required": "请填写查看事由（至少2个字）", "min_length": "查看事由至少2个字"},
        widget=forms.TextInput(attrs={"placeholder": "如：上门送达催收通知书"}),
    )
