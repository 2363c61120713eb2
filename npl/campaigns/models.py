"""Campaigns (清收行动): a baseline day's loans are the task; approved reductions (核减) leave it."""
from django.conf import settings
from django.db import models


class Campaign(models.Model):
    """A campaign with a baseline date; its task is the loans registered on that day in its scope."""

    name = models.CharField("名称", max_length=100)
    # The district whose loans make the task (a township campaign: that township's district).
    district = models.ForeignKey("org.District", on_delete=models.PROTECT, null=True, blank=True, verbose_name="区")
    baseline = models.DateField("基准日")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, null=True, blank=True, verbose_name="范围（空为全区）")
    ends_on = models.DateField("截止日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # What the stored `TaskLoan` rows were last computed for in full (`task_key()`): the figures read them only
    # while it still matches (a campaign made another way, or whose baseline or scope changed, is computed).
    task_stored_for = models.CharField("任务基数计算依据", max_length=60, blank=True, default="", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "清收行动"
        ordering = ["-baseline", "name"]
        # Each district names its own campaigns: two districts may both run a 春季清收.
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="uniq_campaign_name_in_district")]

    def __str__(self):
        return self.name

    def task_key(self) -> str:
        """What the task's baseline balances depend on besides the loans' own data: the baseline and the scope."""
        return f"{self.baseline.isoformat()}|{self.district_id or ''}|{self.township_id or ''}"

    @property
    def task_stored(self) -> bool:
        """Whether the stored `TaskLoan` rows are this campaign's whole task at its baseline (`campaigns.derive`)."""
        return self.task_stored_for == self.task_key()


class TaskReduction(models.Model):
    """核减: a loan leaves a campaign's task from the day the district admin approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "已驳回"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reductions", verbose_name="清收行动")
    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="task_reductions", verbose_name="贷款")
    reason = models.CharField("核减理由", max_length=500)
    evidence = models.FileField("证明材料", upload_to="reductions/%Y/%m/", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审批人"
    )
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务核减"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "loan"], condition=models.Q(status="approved"), name="uniq_approved_reduction"
            )
        ]

    def __str__(self):
        return f"{self.campaign} {self.loan_id}"


class TaskLoan(models.Model):
    """A loan of a campaign's task as stored derived state (issue 16): in the campaign's scope, with a balance
    > 0 on the baseline day, and that balance. Kept by `campaigns.derive` (a snapshot or a confirmed repayment
    dated on or before the baseline, imported later, changes it; so does a loan moving township); reductions
    and 不计入考核 waivers depend on the as-of day and are applied by the figures when read."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="task_loans", verbose_name="清收行动")
    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="campaign_tasks", verbose_name="贷款")
    balance = models.DecimalField("基准日本金余额", max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "清收行动任务贷款"
        constraints = [models.UniqueConstraint(fields=["campaign", "loan"], name="uniq_task_loan")]

    def __str__(self):
        return f"{self.campaign_id} {self.loan_id}"
