"""The loan page's category chips (npl/core/panels.py)."""
from npl.categories.stored import loan_categories
from npl.core.panels import Panel


def _categories(request, loan, page):
    # Today's categories as stored (categories.Membership, issue 16); none when the loan did not exist today.
    # The suggestions panel reads them from the page instead of querying them again.
    categories = loan_categories([loan.pk]).get(loan.pk, []) if page["balance"] is not None else []
    return {"categories": categories}


LOAN_PANELS = (Panel("categories.chips", 10, "categories/_loan_categories.html", _categories),)
