"""Admin screens for the registry: read-only, because loans change only through services that write
a LoanEvent (an admin edit would bypass the history); ID numbers and phones appear masked only."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin, ReadOnlyInline
from npl.loans.models import Borrower, Guarantor, Loan, LoanEvent, LoanSnapshot


@admin.register(Borrower)
class BorrowerAdmin(ReadOnlyAdmin):
    """Borrowers, shown with masked ID and phone (the cipher and hash columns never appear)."""

    list_display = ("masked_name", "id_masked", "gender", "birth_date", "phone_masked", "created_at")
    search_fields = ("name", "pinyin_initials", "id_last4")
    fields = (
        "name", "pinyin_initials", "pinyin_full", "id_masked", "gender", "birth_date",
        "phone_masked", "registered_address", "actual_address", "created_at",
    )  # fmt: skip

    @admin.display(description="姓名")
    def masked_name(self, obj):
        return obj.masked_name


class GuarantorInline(ReadOnlyInline):
    model = Guarantor
    fields = ("name", "id_masked", "guarantee_months", "released_on", "released_reason")


class SnapshotInline(ReadOnlyInline):
    model = LoanSnapshot
    fields = ("as_of", "principal_balance", "interest_on", "batch")


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    """Loans with their guarantors and bank snapshots."""

    list_display = ("loan_no", "borrower", "township", "branch", "principal_balance", "classification", "status")
    list_filter = ("status", "classification", "has_mortgage", "township", "branch")
    search_fields = ("loan_no", "contract_no", "borrower__name", "borrower__pinyin_initials")
    list_select_related = ("borrower", "township", "branch")
    exclude = ("version",)
    inlines = [GuarantorInline, SnapshotInline]


@admin.register(LoanEvent)
class LoanEventAdmin(ReadOnlyAdmin):
    """The append-only history: visible, never editable."""

    list_display = ("at", "loan", "kind", "field", "actor", "batch")
    list_filter = ("kind",)
    search_fields = ("loan__loan_no",)
    list_select_related = ("loan", "actor", "batch")
    date_hierarchy = "at"
