from django.contrib import admin

from npl.advice.models import SuggestionRule, SuggestionState
from npl.core.admin import ReadOnlyAdmin


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "action", "priority", "enabled", "updated_at")
    list_filter = ("enabled", "action")
    search_fields = ("code", "name", "text")


@admin.register(SuggestionState)
class SuggestionStateAdmin(ReadOnlyAdmin):
    """Evidence of what collectors did with suggestions: read-only."""

    list_display = ("loan", "rule", "due", "status", "by", "at")
    list_filter = ("status",)
