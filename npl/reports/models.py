"""Daily snapshots per township (日调度's raw figures), published bulletins (frozen) and the laggard rule."""
from django.conf import settings
from django.db import models

MONEY = {"max_digits": 18, "decimal_places": 2}


class DailyFigure(models.Model):
    """One township's campaign figures as they stood at the end of one day; written once, never rewritten."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="daily_figures", verbose_name="清收行动")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    day = models.DateField("日期", db_index=True)
    task_count = models.PositiveIntegerField("任务笔数", default=0)
    task_amount = models.DecimalField("任务金额（元）", default=0, **MONEY)
    collected_count = models.PositiveIntegerField("累计已清收笔数（含部分还款）", default=0)
    collected_amount = models.DecimalField("累计已清收本金（元）", default=0, **MONEY)
    collected_interest = models.DecimalField("累计收回利息（元）", default=0, **MONEY)
    collected_today = models.DecimalField("当日清收本金（元）", default=0, **MONEY)
    actions_today = models.PositiveIntegerField("当日催收次数", default=0)
    promises_due = models.PositiveIntegerField("当日到期未履行承诺", default=0)
    clocks_at_risk = models.PositiveIntegerField("时效预警笔数", default=0)
    # 时效状态 → 笔数 (lapsed, due_1m, due_3m, due_6m…) and 类别代码 → [笔数, 本金余额（元）字符串]
    clocks = models.JSONField("时效状态分布", default=dict)
    loans_in_category = models.JSONField("特殊类别笔数与余额", default=dict)
    taken_at = models.DateTimeField("生成时间", auto_now_add=True)
    backfilled = models.BooleanField("补算", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "每日快照"
        ordering = ["-day", "township__name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "township", "day"], name="uniq_daily_figure")]

    def __str__(self):
        return f"{self.campaign_id} {self.township_id} {self.day}"


class Bulletin(models.Model):
    """A published 日调度/周通报: its figures, texts and files frozen at publication, served as they were."""

    class Kind(models.TextChoices):
        DAILY = "daily", "日调度"
        WEEKLY = "weekly", "周通报"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="bulletins", verbose_name="清收行动")
    period_start = models.DateField("起始日")
    period_end = models.DateField("截止日")
    label = models.CharField("期次", max_length=50)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    content = models.JSONField("发布内容")
    docx = models.BinaryField("Word文件")
    xlsx = models.BinaryField("Excel文件")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发布人")
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "通报"
        ordering = ["-period_end", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "campaign", "period_start"], name="uniq_bulletin_period")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.label}"


class LaggardRule(models.Model):
    """落后单位: bottom N of the ranking, or a rate this many points below the district's (one row in force)."""

    bottom_n = models.PositiveSmallIntegerField("排名末位几名视为落后", default=1)
    margin_points = models.DecimalField("低于全区清收率多少个百分点视为落后", max_digits=5, decimal_places=2, default=5)
    valid_from = models.DateField("生效日期")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "落后单位认定规则"
        ordering = ["-valid_from", "-pk"]

    def __str__(self):
        return f"末位{self.bottom_n}名或低于全区{self.margin_points}个百分点（{self.valid_from}起）"
