"""Admin screens (superusers): policy versions and tiers read-only here, because the district admin edits
future versions on /waivers/manage/ through the services (a version in force is never rewritten); waiver
requests read-only (they change only through services that write a LoanEvent)."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin, ReadOnlyInline
from npl.waivers.models import PolicyTier, PolicyVersion, WaiverRequest


class TierInline(ReadOnlyInline):
    model = PolicyTier
    fields = ("name", "category", "priority", "penalty_share", "compound_share", "interest_share", "mode", "repay_by",
              "max_instalments", "note")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Versions of the ruler with their tiers."""

    list_display = ("name", "effective_from", "branch_limit", "reoffer_after_void", "created_by")
    inlines = [TierInline]


@admin.register(WaiverRequest)
class WaiverRequestAdmin(ReadOnlyAdmin):
    """Waiver requests as evidence (the borrower appears only as the loan number)."""

    list_display = ("pk", "loan", "tier", "status", "est_total", "agreed_amount", "deadline", "made_by", "decided_by",
                    "applied_on", "voided_on", "exclude_from_kpi")
    list_filter = ("status", "exclude_from_kpi")
    search_fields = ("loan__loan_no",)
    raw_id_fields = ("loan", "plan")
