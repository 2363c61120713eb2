"""Read-only admin screens: templates are replaced on the documents page (which checks them), the log is evidence."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin
from npl.documents.models import DocumentTemplate, GeneratedDocument


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ReadOnlyAdmin):
    """Uploaded Word templates; uploading and switching happen on /documents/templates/ (checked there)."""

    list_display = ("kind", "version", "active", "original_name", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "active")


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdmin):
    """Who generated which document when."""

    list_display = ("at", "user", "via", "kind", "fmt", "scope", "loan_count", "file_name")
    list_filter = ("kind", "fmt", "via")
    search_fields = ("scope", "file_name", "user__username", "user__display_name")
    date_hierarchy = "at"
    list_select_related = ("user",)
