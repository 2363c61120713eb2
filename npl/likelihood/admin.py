"""Admin: officials tune the baseline's points; fitted models are evidence, read-only."""
from django.contrib import admin

from npl.likelihood.models import BaselineRule, LikelihoodModel


@admin.register(BaselineRule)
class BaselineRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "code", "reason", "points", "active")
    list_display_links = ("code",)
    list_editable = ("points", "active")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False  # each rule's condition is code (baseline.CONDITIONS): only its points and wording are data

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LikelihoodModel)
class LikelihoodModelAdmin(admin.ModelAdmin):
    list_display = ("trained_at", "as_of", "n_samples", "n_positive", "enough")
    readonly_fields = [f.name for f in LikelihoodModel._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
