"""Admin screens for shared data: tunable settings (editable) and the audit log (read-only)."""
from django.contrib import admin

from npl.core.models import AuditLog, Setting


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    """Rule values officials tune (e.g. the 大额抵押 threshold)."""

    list_display = ("key", "value", "description", "updated_at")
    search_fields = ("key", "description")
    readonly_fields = ("updated_at",)
    ordering = ("key",)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Who saw what sensitive data: evidence, so nobody may add, change or delete a row here."""

    list_display = ("at", "user", "action", "object_type", "object_id", "reason", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("user__username", "user__display_name", "object_id", "reason")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
