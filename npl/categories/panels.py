"""The loan page's category chips (npl/core/panels.py)."""
from npl.categories.stored import annotated_categories, loan_categories, membership_annotations
from npl.core.panels import Panel


def _annotations(request):
    return membership_annotations()  # today's stored codes come with the loan's own query


def _categories(request, loan, page):
    # Today's categories as stored (categories.Membership, issue 16); none when the loan did not exist today.
    # The suggestions panel reads them from the page instead of querying them again.
    if page["balance"] is None:
        return {"categories": []}
    categories = annotated_categories(loan)
    if categories is None:  # the stored rows do not answer today: computed
        categories = loan_categories([loan.pk]).get(loan.pk, [])
    return {"categories": categories}


LOAN_PANELS = (Panel("categories.chips", 10, "categories/_loan_categories.html", _categories,
                     loan_annotations=_annotations),)
