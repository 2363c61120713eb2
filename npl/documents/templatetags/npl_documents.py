"""`{% load npl_documents %}{% documents_link loan %}`: the loan page's way to its documents, for those who print."""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from npl.documents.services import may_generate

register = template.Library()


@register.simple_tag(takes_context=True)
def documents_link(context, loan, label: str = "文书打印（明白纸、催收通知书、还款协议书）"):
    """A link to the loan's documents page, or nothing for a role that does not print documents."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if not may_generate(user):
        return ""
    return format_html('<a class="button" href="{}">{}</a>', reverse("documents:loan", args=[loan.loan_no]), label)
