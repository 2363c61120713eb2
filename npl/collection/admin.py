"""Admin screens for collection records: read-only, because they change only through services that
write a LoanEvent (an admin edit would bypass the history and the maker-checker rules)."""
from django.contrib import admin

from npl.collection.models import (
    CollectionAction,
    ContractTerms,
    GuarantorDemand,
    InterestSuspension,
    PlanInstalment,
    Repayment,
    RepaymentAgreement,
    RepaymentPlan,
)
from npl.core.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    """Repayments from the bank's flow and from the field, with who recorded, confirmed or refused them."""

    list_display = ("txn_no", "loan", "paid_on", "principal", "interest", "costs", "channel", "confirmed", "recorded_by", "confirmed_by")
    list_filter = ("confirmed", "channel")
    search_fields = ("txn_no", "loan__loan_no")
    date_hierarchy = "paid_on"
    list_select_related = ("loan", "recorded_by", "confirmed_by")


@admin.register(CollectionAction)
class CollectionActionAdmin(ReadOnlyAdmin):
    """The collection ledger (催收台账) and its promises."""

    list_display = ("loan", "acted_on", "method", "signature", "outcome_code", "promise_date", "promise_amount", "promise_status")
    list_filter = ("method", "signature", "outcome_code", "promise_status")
    search_fields = ("loan__loan_no", "collector_name")
    date_hierarchy = "acted_on"
    list_select_related = ("loan",)


@admin.register(GuarantorDemand)
class GuarantorDemandAdmin(ReadOnlyAdmin):
    """Demands on guarantors (要求承担保证责任): the facts a guarantor's own limitation period runs from."""

    list_display = ("guarantor", "loan_no", "demanded_on", "made_by", "evidence_type", "recorded_by", "created_at")
    list_filter = ("made_by", "evidence_type")
    search_fields = ("guarantor__loan__loan_no",)
    date_hierarchy = "demanded_on"
    list_select_related = ("guarantor__loan", "recorded_by")

    @admin.display(description="借据号")
    def loan_no(self, obj):
        return obj.guarantor.loan.loan_no


@admin.register(RepaymentAgreement)
class RepaymentAgreementAdmin(ReadOnlyAdmin):
    """Signed agreements to pay, which the legal clocks read."""

    list_display = ("loan", "kind", "signed_on", "recorded_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("loan__loan_no",)


class InstalmentInline(ReadOnlyInline):
    model = PlanInstalment
    fields = ("seq", "due_on", "amount", "status", "paid_on", "missed_on")


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(ReadOnlyAdmin):
    """一笔一策 plans with their instalments."""

    list_display = ("loan", "status", "signed_on", "submitted_by", "decided_by", "broken_on", "completed_on")
    list_filter = ("status",)
    search_fields = ("loan__loan_no",)
    inlines = [InstalmentInline]


@admin.register(InterestSuspension)
class InterestSuspensionAdmin(ReadOnlyAdmin):
    """停息挂账 periods."""

    list_display = ("loan", "starts_on", "until", "ended_on", "started_by", "ended_by")
    search_fields = ("loan__loan_no",)


@admin.register(ContractTerms)
class ContractTermsAdmin(ReadOnlyAdmin):
    """Per-loan contract terms (set on the 处置 page, with an event)."""

    list_display = ("loan", "allocation_order", "note", "set_by", "set_at")
    list_filter = ("allocation_order",)
    search_fields = ("loan__loan_no",)
