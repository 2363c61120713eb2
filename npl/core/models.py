"""Shared data: tunable settings (rules officials change) and the audit log of sensitive views."""
from decimal import Decimal

from django.conf import settings
from django.db import models


class Setting(models.Model):
    """A rule value officials tune in the admin (e.g. the 大额抵押 threshold); code reads it via get()."""

    key = models.CharField("键", max_length=100, unique=True)
    value = models.CharField("值", max_length=500)
    description = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "参数设置"

    def __str__(self):
        return f"{self.key}={self.value}"

    DEFAULTS = {
        "large_mortgage_threshold": (lambda: settings.NPL_LARGE_MORTGAGE_THRESHOLD, "大额抵押贷款本金余额门槛（元）"),
        "plan_grace_days": (lambda: "10", "还款计划分期逾期多少天视为违约"),
    }

    @classmethod
    def get(cls, key: str) -> str:
        row = cls.objects.filter(key=key).first()
        if row is not None:
            return row.value
        return str(cls.DEFAULTS[key][0]())

    @classmethod
    def get_decimal(cls, key: str) -> Decimal:
        return Decimal(cls.get(key))


class AuditLog(models.Model):
    """Who saw or exported what sensitive data, when and why (每一次完整查看都留痕)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="用户")
    action = models.CharField("动作", max_length=40)  # view_id, view_phone, export_unmasked
    object_type = models.CharField("对象类型", max_length=40)
    object_id = models.CharField("对象", max_length=64)
    reason = models.CharField("事由", max_length=200, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "敏感信息查看记录"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}#{self.object_id}"


class CalendarEntry(models.Model):
    """One day of the State Council's holiday schedule the district enters itself: a rest day or a 调休 working day.

    For a year the chinesecalendar package does not hold yet, or to correct it; an entry wins over the
    library (npl.core.workdays). A year with any entry counts as having its schedule: enter a year's
    whole notice at once (every holiday day and every 调休 working day).
    """

    class Kind(models.TextChoices):
        REST = "rest", "休息日（放假）"
        WORK = "work", "工作日（调休上班）"

    # NULL: the province default (npl.core.tenancy); a district's own rows once it keeps its own calendar.
    district = models.ForeignKey("org.District", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="calendar_entries", verbose_name="区县")
    day = models.DateField("日期")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=40, blank=True, help_text="放假的节日，如“春节”；调休上班日可不填")
    note = models.CharField("依据", max_length=200, blank=True, help_text="如“国办发明电〔2026〕X号”")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   verbose_name="录入人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["district", "day"], name="core_calendarentry_day_per_district"),
            models.UniqueConstraint(fields=["day"], condition=models.Q(district__isnull=True),
                                    name="core_calendarentry_day_of_default"),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}{(' ' + self.name) if self.name else ''}"


class DistrictSetting(models.Model):
    """A district that keeps its own settings of one kind (节假日安排, 大额抵押门槛…) instead of the province default.

    Without a row the district follows the default (the kind's rows with district = NULL); npl.core.tenancy
    is the one place that says whose rows apply to a district.
    """

    district = models.ForeignKey("org.District", on_delete=models.CASCADE, related_name="own_settings", verbose_name="区县")
    kind = models.CharField("设置类别", max_length=20)
    adopted_at = models.DateTimeField("采用时间", auto_now_add=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="采用人")

    class Meta:
        verbose_name = verbose_name_plural = "本区自定的设置"
        ordering = ["district_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["district", "kind"], name="core_districtsetting_one_per_kind")]

    def __str__(self):
        return f"{self.district} 自定 {self.kind}"
