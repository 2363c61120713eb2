"""The township admin's requests on the loan page (npl/core/panels.py): a category change, a reduction."""
from django.db.models import Subquery

from npl.campaigns.models import Campaign
from npl.core.panels import Panel

_ASKING = "township_admin"  # only a township admin asks for these


def _latest_campaign(request):
    # The reduction is asked in the latest campaign (the one the loan counts in now): its number and name come
    # with the loan's own query (core.panels: loan_annotations), not a query of their own.
    if request.user.role != _ASKING:
        return None
    latest = Campaign.objects.order_by("-baseline", "-pk")
    return {"latest_campaign_pk": Subquery(latest.values("pk")[:1]),
            "latest_campaign_name": Subquery(latest.values("name")[:1])}


def _requests(request, loan, page):
    if request.user.role != _ASKING:
        return None
    if not hasattr(loan, "latest_campaign_pk"):  # a loan fetched without the page's annotations
        return {"latest_campaign": Campaign.objects.order_by("-baseline", "-pk").first()}
    pk = loan.latest_campaign_pk
    return {"latest_campaign": {"pk": pk, "name": loan.latest_campaign_name} if pk is not None else None}


LOAN_PANELS = (Panel("campaigns.requests", 20, "campaigns/_loan_requests.html", _requests,
                     loan_annotations=_latest_campaign),)
