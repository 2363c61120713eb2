"""The district admin's form for a new API token."""
from django import forms

from npl.api.services import TOKEN_ROLES
from npl.org.models import Branch, Township


class TokenForm(forms.Form):
    """新建接口令牌：名称、角色和所属单位。"""

    name = forms.CharField(label="名称", max_length=100, help_text="用途或对接的系统，如：农合行核心系统")
    role = forms.ChoiceField(label="角色", choices=[(r.value, r.label) for r in TOKEN_ROLES])
    township = forms.ModelChoiceField(label="所属乡镇", queryset=Township.objects.order_by("name"), required=False,
                                      empty_label="（不绑定）", help_text="乡镇管理员角色必填")
    branch = forms.ModelChoiceField(label="所属网点", queryset=Branch.objects.order_by("name"), required=False,
                                    empty_label="（不绑定）", help_text="网点角色必填")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the units of the admin's own district are offered (a superuser: every one).
        if user is not None and not user.is_superuser:
            self.fields["township"].queryset = Township.objects.filter(district_id=user.district_id).order_by("name")
            self.fields["branch"].queryset = Branch.objects.filter(district_id=user.district_id).order_by("name")
