"""The loan page's open suggestions (npl/core/panels.py)."""
from npl.advice.views import loan_suggestions_context
from npl.core.panels import Panel


def _suggestions(request, loan, page):
    # The clock, the balance and the categories the panels above put on the page: the suggestions would
    # otherwise compute them again for the same loan and day.
    known = {"clock": page["legal_clock"], "balance": page["balance"], "categories": [c for c, _ in page["categories"]]}
    return loan_suggestions_context(loan, request.user, page["today"], known=known)


LOAN_PANELS = (
    Panel("advice.suggestions", 50, "advice/_loan_suggestions.html", _suggestions, stylesheets=("advice/advice.css",)),
)
