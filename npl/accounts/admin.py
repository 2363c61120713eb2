"""The Django admin is for superusers only; users are managed here with their role and unit."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from npl.accounts.models import User


def superuser_only(request) -> bool:
    """Staff flags alone open nothing: the admin bypasses unit scope, so only superusers get in."""
    return request.user.is_active and request.user.is_superuser


# Set on the default site instance so that npl/urls.py (admin.site.urls) needs no change.
admin.site.has_permission = superuser_only
admin.site.site_header = "不良贷款清收平台 · 系统管理"
admin.site.site_title = "系统管理"
admin.site.index_title = "数据与参数"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users with their role and the township or branch the role is bound to."""

    list_display = ("username", "display_name", "role", "district", "township", "branch", "region", "is_active", "is_superuser",
                    "last_login")
    list_filter = ("role", "district", "region", "is_active", "is_superuser")
    search_fields = ("username", "display_name")
    list_select_related = ("district", "township", "branch", "region")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("角色与单位", {"fields": ("display_name", "role", "district", "township", "branch", "region", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("角色与单位", {"fields": ("display_name", "role", "district", "township", "branch", "region")}),
    )
