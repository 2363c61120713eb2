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
