"""Refinancing requests in the admin: read-only evidence of who did what when."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin, ReadOnlyInline
from npl.refinance.models import RefinanceRequest, RefinanceStep


class StepInline(ReadOnlyInline):
    model = RefinanceStep
    fields = ("step", "at", "actor", "note")


@admin.register(RefinanceRequest)
class RefinanceRequestAdmin(ReadOnlyAdmin):
    """Requests with their timed steps."""

    list_display = ("loan", "kind", "township", "branch", "status", "requested_at", "disbursed_at", "new_loan_no")
    list_filter = ("kind", "status", "branch")
    search_fields = ("loan__loan_no", "new_loan_no")
    list_select_related = ("loan", "township", "branch")
    inlines = [StepInline]
