"""The loan page's links to its payoff and its documents (npl/core/panels.py)."""
from npl.core.panels import Panel


def _links(request, loan, page):
    return {}  # documents_link decides from the request's user whether to show the documents link


LOAN_PANELS = (Panel("documents.links", 60, "documents/_loan_links.html", _links),)
