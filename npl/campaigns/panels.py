"""The township admin's requests on the loan page (npl/core/panels.py): a category change, a reduction."""
from django.db.models import OuterRef, Q, Subquery

from npl.campaigns.models import Campaign
from npl.core.panels import Panel

_ASKING = "township_admin"  # only a township admin asks for these


def _latest_campaign(request):
    # The reduction is asked in the latest campaign (the one the loan counts in now): its number and name come
    # with the loan's own query (core.panels: loan_annotations), not a query of their own.
    if request.user.role != _ASKING:
        return None
    latest = _of_loan(OuterRef("township__district_id"), OuterRef("township_id"))
    return {"latest_campaign_pk": Subquery(latest.values("pk")[:1]),
            "latest_campaign_name": Subquery(latest.values("name")[:1])}


def _of_loan(district_id, township_id):
    """The campaigns whose task may hold the loan, latest first: its district's (or one without a district,
    written before districts), the whole district's or its own township's — never another district's."""
    return (Campaign.objects.filter(Q(district_id=district_id) | Q(district__isnull=True))
            .filter(Q(township__isnull=True) | Q(township_id=township_id)).order_by("-baseline", "-pk"))


def _requests(request, loan, page):
    if request.user.role != _ASKING:
        return None
    if not hasattr(loan, "latest_campaign_pk"):  # a loan fetched without the page's annotations
        return {"latest_campaign": _of_loan(loan.township.district_id, loan.township_id).first()}
    pk = loan.latest_campaign_pk
    return {"latest_campaign": {"pk": pk, "name": loan.latest_campaign_name} if pk is not None else None}


LOAN_PANELS = (Panel("campaigns.requests", 20, "campaigns/_loan_requests.html", _requests,
                     loan_annotations=_latest_campaign),)
