"""Litigation cases per loan, their dated stages, judgments and enforcement."""
from django.conf import settings
from django.db import models

from npl.litigation.choices import Direction, Listing, Stage

MONEY = {"max_digits": 18, "decimal_places": 2}


class CaseQuerySet(models.QuerySet):
    def for_user(self, user):
        """Cases of the loans the person may reach (the court liaison's scope is every loan with a case)."""
        from npl.loans.models import Loan

        return self.filter(loan__in=Loan.objects.for_user(user))


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
    dishonest_listing = models.CharField("失信名单", max_length=20, blank=True, choices=Listing.choices)
    dishonest_requested_on = models.DateField("申请纳入失信名单日期", null=True, blank=True)
    dishonest_listed_on = models.DateField("纳入失信名单日期", null=True, blank=True)
    counted_from = models.DateField("计入涉诉日期")
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    version = models.PositiveIntegerField("版本", default=1)  # optimistic locking (services.StaleCase)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "涉诉案件"
        constraints = [models.UniqueConstraint(fields=["loan", "case_no"], name="uniq_case_per_loan")]

    def __str__(self):
        return self.case_no

    @property
    def bank_is_plaintiff(self) -> bool:
        return self.direction == Direction.BANK_SUED_BORROWER


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


class EnforcementRecovery(models.Model):
    """Money the court's enforcement brought in on a case (执行到位); the case keeps the running total.

    The money itself is a repayment with channel `court` in collection; txn_no ties the two together.
    """

    case = models.ForeignKey(LitigationCase, on_delete=models.PROTECT, related_name="recoveries", verbose_name="案件")
    on = models.DateField("到位日期")
    amount = models.DecimalField("到位金额", **MONEY)
    txn_no = models.CharField("还款流水号", max_length=64, blank=True, db_index=True)
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="登记人")
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "执行到位记录"
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.case_id} {self.on} {self.amount}"
