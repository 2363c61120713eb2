"""Settings per district (issue 18): the holiday calendar, the 大额抵押 threshold, the waiver policy, the advice
rules and the likelihood model are kept per district, with a province default a district may follow.

Each settings table has a nullable `district`: rows with district = NULL are the province (installation)
default; a district's own rows are used once it keeps its own settings of that kind (a `core.DistrictSetting`
row). `owner(kind, district_id)` — whose rows apply to a district, its own or the default (None) — is the one
answer every reader asks; bulk readers ask `owners(kind)` once per run and group loans by district.

Editing: a district admin (区金融办) edits only their own district's settings; the first edit adopts them (the
default is copied into the district, then changed); `restore_default` drops the district's own rows and it
follows the default again. The 省金融办 edits the default, which changes every district that follows it. Each
kind registers (from its app's ready()) how to copy the default into a district and how to drop a district's
rows; a change refreshes the stored derived rows (npl.core.derived) of only the loans it reaches.

Layering: core reads the loans and districts through the app registry, never by import.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction

from npl.core import derived

# accounts.choices.Role's values (core imports no app): who edits a district's settings, who the default.
DISTRICT_ADMIN = "district_admin"
PROVINCE_FINANCE = "province_finance"

OWN = "本区自定"
FOLLOWS = "本区沿用省级默认"
DEFAULT = "省级默认"


@dataclass(frozen=True)
class Kind:
    """One kind of per-district settings: its name, Chinese label, the derived source its change names, and how
    to copy the default's rows into a district (adopting) and drop a district's rows (restoring the default)."""

    name: str
    label: str
    source: str | None  # a key of derived.SOURCES, or None when no stored row reads it
    copy: Callable[[int, object], None]  # (district id, user) → the default's rows copied as the district's own
    clear: Callable[[int], None]  # district id → its own rows deleted


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind (from an AppConfig.ready()); registering a name again replaces it."""
    _KINDS[kind.name] = kind
    return kind


def kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"unknown per-district settings kind {name!r}") from None


def kinds() -> list[Kind]:
    return list(_KINDS.values())


# --- which rows apply ------------------------------------------------------------------------------------


def own_districts(name: str) -> set[int]:
    """The districts that keep their own settings of this kind."""
    from npl.core.models import DistrictSetting

    return set(DistrictSetting.objects.filter(kind=name).values_list("district_id", flat=True))


def owner(name: str, district_id: int | None) -> int | None:
    """Whose rows of this kind apply to the district: its own id when it keeps its own, else None (the default)."""
    from npl.core.models import DistrictSetting

    if district_id is None:
        return None
    return district_id if DistrictSetting.objects.filter(kind=name, district_id=district_id).exists() else None


class Owners:
    """Every district's owner of one kind, read once for a run over many loans (one query, then dictionaries)."""

    def __init__(self, name: str):
        self.name = name
        self.own = own_districts(name)
        self._town_district: dict[int, int] | None = None

    def of_district(self, district_id: int | None) -> int | None:
        return district_id if district_id in self.own else None

    def of_township(self, township_id: int) -> int | None:
        if not self.own:
            return None
        if self._town_district is None:
            Township = apps.get_model("org", "Township")
            self._town_district = dict(Township.objects.values_list("pk", "district_id"))
        return self.of_district(self._town_district.get(township_id))


def owners(name: str) -> Owners:
    return Owners(name)


def rows_filter(name: str, district_id: int | None) -> dict:
    """The queryset filter of the rows that apply to the district (its own, or the default's)."""
    return of_owner(owner(name, district_id))


def of_owner(owner_id: int | None) -> dict:
    """The filter of one owner's rows: a district's own, or the default's (None)."""
    return {"district__isnull": True} if owner_id is None else {"district_id": owner_id}


def status(name: str, district_id: int | None) -> dict:
    """What a page says about whose settings apply: {"own": bool, "default": bool, "text": …}."""
    if district_id is None:
        return {"own": False, "default": True, "text": DEFAULT}
    own = owner(name, district_id) is not None
    return {"own": own, "default": False, "text": OWN if own else FOLLOWS}


# --- who edits what -----------------------------------------------------------------------------------------


def editing_district(user, name: str) -> int | None:
    """Whose settings this person edits: a district admin their district's own, the 省金融办 (or a superuser) the
    default (None); anyone else is refused."""
    label = kind(name).label if name in _KINDS else name
    role = getattr(user, "role", None)
    if role == DISTRICT_ADMIN and getattr(user, "district_id", None):
        return user.district_id
    if role == PROVINCE_FINANCE or getattr(user, "is_superuser", False):
        return None
    raise PermissionDenied(f"只有区金融办（本区的{label}）或省金融办（省级默认）可以修改{label}")


def may_edit(user, name: str) -> bool:
    try:
        editing_district(user, name)
    except PermissionDenied:
        return False
    return True


def viewing_district(user) -> int | None:
    """Whose settings a page shows this person: their own district's (the applying ones), else the default."""
    return getattr(user, "district_id", None)


def affected_loans(district_id: int | None, name: str, **loan_filter) -> list[int] | None:
    """The loans a change of this owner's rows reaches: a district's own → its loans; the default → the loans of
    the districts following it (None: every loan, when no district keeps its own and no filter narrows it).
    loan_filter: only the loans the setting can touch (e.g. has_mortgage=True)."""
    Loan = apps.get_model("loans", "Loan")
    loans = Loan.objects.filter(**loan_filter)
    if district_id is not None:
        return list(loans.filter(township__district_id=district_id).values_list("pk", flat=True))
    own = own_districts(name)
    if not own and not loan_filter:
        return None
    return list(loans.exclude(township__district_id__in=own).values_list("pk", flat=True))


def changed(name: str, district_id: int | None, **loan_filter) -> None:
    """Refresh the stored derived rows of the loans a change of this owner's rows reaches (in the caller's
    transaction or deferred block)."""
    source = kind(name).source
    if source is None:
        return
    ids = affected_loans(district_id, name, **loan_filter)
    if ids is None:
        derived.refresh(source=source)
    elif ids:
        derived.refresh(ids, source=source)


@transaction.atomic
def ensure_own(user, name: str) -> int | None:
    """The owner this person's edit writes to; a district admin's first edit adopts: the default is copied into
    the district (its figures do not change until the edit itself)."""
    district_id = editing_district(user, name)
    if district_id is not None:
        adopt(district_id, name, user)
    return district_id


def adopt(district_id: int, name: str, user=None) -> bool:
    """The district keeps its own settings of this kind, starting as a copy of the default; False if it already did."""
    with derived.deferred():
        return _adopt(district_id, name, user)


def _adopt(district_id: int, name: str, user) -> bool:
    from npl.core.models import DistrictSetting

    _, created = DistrictSetting.objects.get_or_create(district_id=district_id, kind=name, defaults={"adopted_by": user})
    if created:
        kind(name).copy(district_id, user)
        # The figures stay the same, but stored rows that name a settings row (an open suggestion's rule) now
        # name the district's copy.
        changed(name, district_id)
    return created


def restore_default(user, name: str) -> bool:
    """A district admin's 恢复省级默认: their district's own rows are deleted and it follows the default again."""
    from npl.core.models import DistrictSetting

    district_id = editing_district(user, name)
    if district_id is None:
        raise PermissionDenied("省级默认没有可恢复的上级设置")
    with derived.deferred():
        gone, _ = DistrictSetting.objects.filter(district_id=district_id, kind=name).delete()
        if not gone:
            return False
        kind(name).clear(district_id)
        changed(name, district_id)
    return True


def page_context(user, name: str) -> dict:
    """What a settings page shows about whose settings it edits (the `_tenancy.html` partial): the owner, the
    status text, and which of 采用本区设置 / 恢复省级默认 this person may press."""
    k = kind(name)
    try:
        editing = editing_district(user, name)
        may = True
    except PermissionDenied:
        editing, may = viewing_district(user), False
    st = status(name, editing)
    return {
        "kind": name,
        "label": k.label,
        "owner": owner(name, editing),
        "district_id": editing,
        "status": st,
        "may_edit": may,
        "may_adopt": may and editing is not None and not st["own"],
        "may_restore": may and editing is not None and st["own"],
        "followers": None if editing is not None else _follower_count(name),
    }


def _follower_count(name: str) -> int:
    District = apps.get_model("org", "District")
    return District.objects.exclude(pk__in=own_districts(name)).count()
