"""Admin screens for shared data: tunable settings (editable) and the audit log (read-only); the read-only
base every app's evidence screens use."""
from django.contrib import admin

from npl.core.models import AuditLog, CalendarEntry, Setting


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete from the admin (evidence, or data that changes only through services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a read-only screen's inline table: shown, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    """Rule values officials tune (e.g. the 大额抵押 threshold)."""

    list_display = ("key", "value", "description", "updated_at")
    search_fields = ("key", "description")
    readonly_fields = ("updated_at",)
    ordering = ("key",)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Who saw what sensitive data: evidence, so nobody may add, change or delete a row here."""

    list_display = ("at", "user", "action", "object_type", "object_id", "reason", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("user__username", "user__display_name", "object_id", "reason")
    date_hierarchy = "at"
    list_select_related = ("user",)


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    """The district's holiday schedule entries (a year the library lacks, or a correction); they win over the library."""

    list_display = ("day", "kind", "name", "note", "updated_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "note")
    date_hierarchy = "day"
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
