"""The loan page's refinancing requests (npl/core/panels.py)."""
from npl.core.panels import Panel
from npl.refinance.services import may_request


def _requests(request, loan, page):
    return {
        "refinance_requests": loan.refinance_requests.order_by("-pk"),
        "may_request_refinance": may_request(request.user),
    }


LOAN_PANELS = (Panel("refinance.requests", 90, "refinance/_loan_requests.html", _requests),)
