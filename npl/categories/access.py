"""Who may see which report: the township, the day and the label a page's figures cover.

A township admin (and a collector) is held to their own township: asking for another one is a 404,
the same answer as a township that does not exist. District roles choose any township or none.
Everyone else's figures are narrowed by Loan.objects.for_user inside the reports themselves.
"""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from npl.accounts.choices import Role
from npl.accounts.scope import region_district
from npl.categories.cli import UsageError, parse_day
from npl.org.models import District, Township

HELD_TO_TOWNSHIP = {Role.TOWNSHIP_ADMIN, Role.COLLECTOR}


@dataclass
class ReportScope:
    """The township (None: the whole of what the user sees), the as-of day and how to name them."""

    township: Township | None
    day: dt.date
    label: str
    can_choose_township: bool
    date_error: str = ""
    # A city's or province's office looking at one of its districts (?district=<id>, read-only): None otherwise.
    district: District | None = None

    @property
    def is_township(self) -> bool:
        return self.township is not None

    def query(self, **extra) -> str:
        from urllib.parse import urlencode

        params = {"as_of": self.day.isoformat()}
        if self.township is not None:
            params["township"] = self.township.pk
        if self.district is not None:
            params["district"] = self.district.pk
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


def report_scope(request) -> ReportScope:
    """Resolve ?township=<id>&as_of=YYYY-MM-DD against the user's role (404 outside their township)."""
    user = request.user
    if not (user.is_superuser or user.role):
        raise PermissionDenied("您的账号尚未分配角色")
    error = ""
    try:
        day = parse_day(request.GET.get("as_of") or None, "统计日期") or timezone.localdate()
    except UsageError as exc:
        day, error = timezone.localdate(), str(exc.args[0])
    raw = (request.GET.get("township") or "").strip()
    town = None
    if user.is_region_wide:
        return _region_scope(user, request.GET.get("district"), raw, day, error)
    if raw:
        if not raw.isdigit():
            raise Http404("乡镇不存在")
        # A township of another district is a 404 like one that does not exist (the district is the tenant).
        town = Township.objects.filter(pk=int(raw), district=_district(user)).first()
        if town is None:
            raise Http404("乡镇不存在")
    if user.is_district_wide:
        label = town.name if town else _district(user).name
        return ReportScope(town, day, label, True, error)
    if user.role in HELD_TO_TOWNSHIP:
        if not user.township_id or (town is not None and town.pk != user.township_id):
            raise Http404("乡镇不存在")
        label = user.township.name if user.role == Role.TOWNSHIP_ADMIN else f"{user.township.name}（我负责的贷款）"
        return ReportScope(user.township, day, label, False, error)
    label = user.unit_label if town is None else town.name
    if user.role == Role.DISCIPLINE_LIAISON and town is None:
        label = _district(user).name
    return ReportScope(town, day, label, False, error)


def _region_scope(user, raw_district, raw_town, day, error) -> ReportScope:
    """A 市/省金融办: the whole region, or one of its districts (?district=), or a township of that district."""
    district = region_district(user, raw_district)
    town = None
    if raw_town:
        towns = Township.objects.filter(district__in=[district] if district else user.region.districts())
        town = towns.filter(pk=int(raw_town)).first() if raw_town.isdigit() else None
        if town is None:
            raise Http404("乡镇不存在")
    label = town.name if town else (district.name if district else user.unit_label)
    return ReportScope(town, day, label, False, error, district=district)


def _district(user) -> District:
    """The user's own district (a superuser or a city office: the installation's first)."""
    return user.district if getattr(user, "district_id", None) else District.current()
