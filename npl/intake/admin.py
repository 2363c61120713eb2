"""Admin for import batches: the audit record of every file taken in, read-only."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin
from npl.intake.models import ColumnMapping, ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Every import as it happened: evidence, so nobody may add, change or delete one here."""

    list_display = ("pk", "kind", "sub_kind", "file_name", "user", "township", "as_of", "status",
                    "rows_read", "created", "updated", "unchanged", "refused", "duplicates", "created_at")
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name", "sha256", "user__username", "user__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("user", "township")


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """Saved column mappings: officials may correct or remove one (the upload preview saves them)."""

    list_display = ("name", "kind", "branch", "source", "created_by", "updated_at")
    list_filter = ("kind", "branch")
    search_fields = ("name", "source")
