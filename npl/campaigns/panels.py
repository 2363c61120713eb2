"""The township admin's requests on the loan page (npl/core/panels.py): a category change, a reduction."""
from npl.campaigns.models import Campaign
from npl.core.panels import Panel


def _requests(request, loan, page):
    if request.user.role != "township_admin":
        return None  # only a township admin asks for these
    # The reduction is asked in the latest campaign (the one the loan counts in now).
    return {"latest_campaign": Campaign.objects.order_by("-baseline", "-pk").first()}


LOAN_PANELS = (Panel("campaigns.requests", 20, "campaigns/_loan_requests.html", _requests),)
