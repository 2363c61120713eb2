"""Forms of the loan pages: the deliberate request to see a full ID number or phone."""
from django import forms


class RevealForm(forms.Form):
    """Why the person needs the full value; kept in the audit log beside who and when."""

    reason = forms.CharField(
        label="查看事由",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：上门送达催收通知书"}),
    )
