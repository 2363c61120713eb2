"""District → Township → Community, and the bank's branches serving townships."""
from django.conf import settings
from django.db import models


class District(models.Model):
    """区: the top unit; a fresh database holds one, named by NPL_DISTRICT_NAME."""

    name = models.CharField("区名称", max_length=50, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "区"

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "District":
        district = cls.objects.order_by("pk").first()
        if district is None:
            district, _ = cls.objects.get_or_create(name=settings.NPL_DISTRICT_NAME)
        return district


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
    """The rural cooperative bank (农合行)."""

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
    """网点/支行; serves one or more townships."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="branches", verbose_name="银行")
    name = models.CharField("网点名称", max_length=100, unique=True)
    townships = models.ManyToManyField(Township, blank=True, related_name="branches", verbose_name="服务乡镇")

    class Meta:
        verbose_name = verbose_name_plural = "网点"
        ordering = ["name"]

    def __str__(self):
        return self.name
