"""Admin screens for cases: read-only, because a case changes only through services that write a
LoanEvent and a dated stage (an admin edit would bypass the history and the version check)."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin, ReadOnlyInline
from npl.litigation.models import CaseStage, EnforcementRecovery, LitigationCase


class StageInline(ReadOnlyInline):
    model = CaseStage
    fields = ("stage", "on", "note", "actor", "at")


class RecoveryInline(ReadOnlyInline):
    model = EnforcementRecovery
    fields = ("on", "amount", "txn_no", "note", "actor", "at")


@admin.register(LitigationCase)
class LitigationCaseAdmin(ReadOnlyAdmin):
    """Cases with their dated stages and enforcement money."""

    list_display = ("case_no", "loan", "direction", "court", "stage", "filed_on", "judgment_amount", "enforcement_recovered")
    list_filter = ("direction", "stage", "dishonest_listing")
    search_fields = ("case_no", "enforcement_case_no", "loan__loan_no")
    list_select_related = ("loan",)
    inlines = [StageInline, RecoveryInline]
