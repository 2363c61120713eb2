from django.contrib import admin

from npl.advice.models import SuggestionRule, SuggestionState


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "action", "priority", "enabled", "updated_at")
    list_filter = ("enabled", "action")
    search_fields = ("code", "name", "text")


@admin.register(SuggestionState)
class SuggestionStateAdmin(admin.ModelAdmin):
    """Evidence of what collectors did with suggestions: read-only."""

    list_display = ("loan", "rule", "due", "status", "by", "at")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
