"""Users carry one role and the unit it is bound to: a township, a branch, a district or a city/province."""
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from npl.accounts.choices import BOUND_TO_TOWNSHIP, DISTRICT_TIER, DISTRICT_WIDE, MAY_UNMASK, REGION_ROLES, Role


class User(AbstractUser):
    """A person of the platform: role + unit decide what they see (see accounts.scope)."""

    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    township = models.ForeignKey(
        "org.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属乡镇"
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属网点"
    )
    # The tenant: every role below the city is confined to this district (accounts.scope). Township and branch
    # roles take it from their unit on save; district roles name it (a single-district installation: that one).
    district = models.ForeignKey(
        "org.District", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属区"
    )
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属市/省",
        help_text="市金融办、省金融办必填",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role in BOUND_TO_TOWNSHIP and not self.township_id:
            raise ValidationError({"township": "乡镇管理员和清收人员必须指定所属乡镇"})
        if self.role == Role.BRANCH_STAFF and not self.branch_id:
            raise ValidationError({"branch": "网点人员必须指定所属网点"})
        unit = self._unit_district()
        if unit is not None and self.district_id and self.district_id != unit.pk:
            raise ValidationError({"district": f"所属区应为{unit.name}（与所属乡镇或网点一致）"})
        if self.role in REGION_ROLES:
            from npl.org.models import Tier

            tier = Tier.CITY if self.role == Role.CITY_FINANCE else Tier.PROVINCE
            if not self.region_id or self.region.tier != tier:
                raise ValidationError({"region": f"{self.get_role_display()}必须指定所属{tier.label}"})
            if self.district_id or self.township_id or self.branch_id:
                raise ValidationError({"district": "市、省金融办不属于某个区、乡镇或网点"})
        elif self.region_id:
            raise ValidationError({"region": "只有市金融办、省金融办指定所属市/省"})
        if self.role in DISTRICT_TIER and not self.district_id and self._only_district() is None:
            raise ValidationError({"district": "本系统有多个区：区级角色必须指定所属区"})

    def _unit_district(self):
        """The district of the township or branch the role is bound to (None when it has none)."""
        if self.role in BOUND_TO_TOWNSHIP and self.township_id:
            return self.township.district
        if self.role == Role.BRANCH_STAFF and self.branch_id and self.branch.district_id:
            return self.branch.district
        return None

    @staticmethod
    def _only_district():
        """The installation's district when it has one (a fresh one: created, as District.current() does); None
        when there are several: a district role is then told its district, never given a guess."""
        from npl.org.models import District

        return District.single()

    def save(self, *args, **kwargs):
        # One unit at one tier: the district follows the township or branch; a district role of a
        # single-district installation belongs to that district without being told.
        if self.role not in REGION_ROLES:
            unit = self._unit_district()
            if unit is not None:
                self.district = unit
            elif self.district_id is None and (self.role in DISTRICT_TIER or self.role == Role.BRANCH_STAFF):
                self.district = self._only_district()
        super().save(*args, **kwargs)

    @property
    def is_district_wide(self) -> bool:
        return self.is_superuser or self.role in DISTRICT_WIDE

    @property
    def may_unmask(self) -> bool:
        return self.is_superuser or self.role in MAY_UNMASK

    @property
    def is_region_wide(self) -> bool:
        """A city's or province's finance office: reads the districts below its region, changes nothing."""
        return self.role in REGION_ROLES and not self.is_superuser

    @property
    def unit_label(self) -> str:
        if self.role in BOUND_TO_TOWNSHIP and self.township_id:
            return self.township.name
        if self.role == Role.BRANCH_STAFF and self.branch_id:
            return self.branch.name
        if self.role in REGION_ROLES and self.region_id:
            return self.region.name
        return "全区"
