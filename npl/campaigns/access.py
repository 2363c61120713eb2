"""Who may follow campaigns and which ones: the one rule the campaign pages and the API share."""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from npl.accounts.choices import REGION_ROLES, Role
from npl.campaigns.models import Campaign

# A city's or province's office follows its districts' campaigns read-only (the roll-up's drill-down).
ROLES = {Role.DISTRICT_ADMIN, Role.DISTRICT_LEADER, Role.TOWNSHIP_ADMIN, Role.COLLECTOR, Role.BRANCH_STAFF} | REGION_ROLES


def require_follower(user) -> None:
    """Refuse (403) a role that does not follow campaigns at all (courts, police, outsiders)."""
    if not (user.is_superuser or user.role in ROLES):
        raise PermissionDenied("无权查看清收行动")


def visible_campaigns(user):
    """Campaigns of the user's own district only: district roles see every one, others the district-wide ones
    and their own township's; a city's or province's office every campaign of its region's districts."""
    qs = Campaign.objects.select_related("township")
    if user.is_superuser:
        return qs
    if user.is_region_wide:
        return qs.filter(district__in=user.region.districts()) if user.region_id else qs.none()
    qs = qs.filter(district_id=user.district_id) if user.district_id else qs.none()
    if user.is_district_wide:
        return qs
    if user.township_id:
        return qs.filter(township__isnull=True) | qs.filter(township_id=user.township_id)
    return qs.filter(township__isnull=True)


def require_township_in_campaign(campaign: Campaign, township) -> None:
    """A township campaign asked about another township is a 404 (as an object outside scope)."""
    if campaign.township_id and township is not None and township.pk != campaign.township_id:
        raise Http404("不在本次清收行动范围内")
