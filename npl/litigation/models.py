"""Litigation cases per loan, their dated stages, judgments and enforcement."""
from django.conf import settings
from django.db import models

from npl.litigation.choices import Direction, Stage

MONEY = {"max_digits": 18, "decimal_places": 2}


class LitigationCase(models.Model):
    """A suit about a loan (either direction); counts for the 涉诉 category from counted_from."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="litigation_cases", verbose_name="贷款")
    direction = models.CharField("诉讼类型", max_length=30, choices=Direction.choices)
    case_no = models.CharField("案号", max_length=100)
    court = models.CharField("受理法院", max_length=100, blank=True)
    filed_on = models.DateField("起诉日期", null=True, blank=True)
    accepted_on = models.DateField("立案日期", null=True, blank=True)
    judgment_on = models.DateField("判决日期", null=True, blank=True)
    performance_due = models.DateField("履行期限届满日", null=True, blank=True)
    enforcement_case_no = models.CharField("执行案号", max_length=100, blank=True)
    enforcement_filed_on = models.DateField("执行立案日期", null=True, blank=True)
    stage = models.CharField("当前阶段", max_length=30, choices=Stage.choices, default=Stage.FILED)
    judgment_amount = models.DecimalField("判决金额", null=True, blank=True, **MONEY)
    enforcement_recovered = models.DecimalField("执行到位金额", default=0, **MONEY)
    dishonest_listing = models.CharField(
        "失信名单", max_length=20, blank=True, choices=[("requested", "已申请"), ("listed", "已纳入")]
    )
    counted_from = models.DateField("计入涉诉日期")
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "涉诉案件"
        constraints = [models.UniqueConstraint(fields=["loan", "case_no"], name="uniq_case_per_loan")]

    def __str__(self):
        return self.case_no


class CaseStage(models.Model):
    """A dated stage of a case (起诉 立案 开庭 判决 …); the stage history is never rewritten."""

    case = models.ForeignKey(LitigationCase, on_delete=models.CASCADE, related_name="stages", verbose_name="案件")
    stage = models.CharField("阶段", max_length=30, choices=Stage.choices)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件阶段"
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.case_id} {self.get_stage_display()} {self.on}"
