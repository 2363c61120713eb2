"""Province → city → district (the tenant) → township → community, and the bank's branches serving townships.

One installation may serve one district or a whole city or province (DOMAIN.md, 'Organisation'): each
district is a tenant whose people see only their district (accounts.scope); a city's or province's
finance office sees the districts below its region.
"""
from django.conf import settings
from django.db import models


class Tier(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"


class Region(models.Model):
    """省 or 市: a unit above districts; a city sits in a province (parent), a province has none."""

    tier = models.CharField("层级", max_length=10, choices=Tier.choices)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级"
    )

    class Meta:
        verbose_name = verbose_name_plural = "省/市"
        ordering = ["tier", "name"]
        constraints = [
            # Two cities may share a name only in different provinces (朝阳区 exists twice; so may a 市).
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_region_name_in_parent"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(parent__isnull=True), name="uniq_top_region_name"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.tier == Tier.PROVINCE and self.parent_id:
            raise ValidationError({"parent": "省没有上级"})
        if self.tier == Tier.CITY and self.parent_id and self.parent.tier != Tier.PROVINCE:
            raise ValidationError({"parent": "市的上级必须是省"})

    def districts(self):
        """The districts below this region: its own, and for a province those of its cities too."""
        return District.objects.filter(models.Q(region=self) | models.Q(region__parent=self))


class District(models.Model):
    """区/县: the tenant; a fresh database holds one, named by NPL_DISTRICT_NAME."""

    name = models.CharField("区名称", max_length=50, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="own_districts", verbose_name="所属市/省",
        help_text="上级市（或省直管时的省）；单区安装可不填",
    )

    class Meta:
        verbose_name = verbose_name_plural = "区"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "District":
        """The installation's district when it holds one (the first otherwise: callers that must choose among
        several ask `District.only()` and refuse)."""
        district = cls.objects.order_by("pk").first()
        if district is None:
            district, _ = cls.objects.get_or_create(name=settings.NPL_DISTRICT_NAME)
        return district

    @classmethod
    def only(cls) -> "District | None":
        """The one district of a single-district installation; None when there are none or several."""
        first_two = list(cls.objects.order_by("pk")[:2])
        return first_two[0] if len(first_two) == 1 else None

    @classmethod
    def single(cls) -> "District | None":
        """The installation's district when it has at most one (a fresh database: created, as `current` does);
        None when there are several: the caller must be told which, never given a guess."""
        return cls.only() or (None if cls.objects.exists() else cls.current())


def district_names() -> str:
    """The installation's districts by name, for a refusal that names the choices (导入时请指定区)."""
    return "、".join(District.objects.order_by("name").values_list("name", flat=True))


class Township(models.Model):
    """乡镇 (or 街道)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="townships", verbose_name="区")
    name = models.CharField("乡镇名称", max_length=50)
    lead_branch = models.ForeignKey(
        "org.Branch", on_delete=models.SET_NULL, null=True, blank=True, related_name="led_townships", verbose_name="牵头网点"
    )

    class Meta:
        verbose_name = verbose_name_plural = "乡镇"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="uniq_township_name")]

    def __str__(self):
        return self.name


class Community(models.Model):
    """社区/村."""

    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="communities", verbose_name="乡镇")
    name = models.CharField("社区/村", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "社区/村"
        ordering = ["township__name", "name"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="uniq_community_name")]

    def __str__(self):
        return f"{self.township.name}{self.name}"


class Bank(models.Model):
    """The rural cooperative bank (农合行/农商行): a legal entity whose registered name is unique.

    In a province the 省农信联社 oversees one such bank per county/district or per city (西岭农商银行,
    某市农商银行); each is its own legal person with its own registered name, so the name stays unique
    across the installation. A city's bank may serve several districts: its branches carry the district.
    """

    name = models.CharField("银行名称", max_length=100, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "银行"

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "Bank":
        bank = cls.objects.order_by("pk").first()
        if bank is None:
            bank, _ = cls.objects.get_or_create(name=settings.NPL_BANK_NAME)
        return bank


class Branch(models.Model):
    """网点/支行 of one bank, sited in one district; serves one or more townships.

    Its name is unique within its bank only: two banks of a province each have a 城关支行.
    """

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="branches", verbose_name="银行")
    name = models.CharField("网点名称", max_length=100)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="branches", verbose_name="所在区",
        help_text="单区安装自动填入本区",
    )
    townships = models.ManyToManyField(Township, blank=True, related_name="branches", verbose_name="服务乡镇")

    class Meta:
        verbose_name = verbose_name_plural = "网点"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["bank", "name"], name="uniq_branch_name_in_bank")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A single-district installation's branches are that district's (imports create branches by name).
        if self.district_id is None:
            self.district = District.single()
        super().save(*args, **kwargs)
