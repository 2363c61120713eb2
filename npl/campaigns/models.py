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
    > 0 on the baseline day, and that balance; its units as the loan has them now; and what its confirmed
    repayments after the baseline add up to, whatever their day. Kept by `campaigns.derive` in the transaction
    of every change of the loan (a snapshot or repayment imported or confirmed, a township or person moved).
    Reductions and 不计入考核 waivers depend on the as-of day: the figures apply them when they read the rows."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="task_loans", verbose_name="清收行动")
    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="campaign_tasks", verbose_name="贷款")
    balance = models.DecimalField("基准日本金余额", max_digits=18, decimal_places=2)
    # The loan's units, so the figures group and scope the rows without joining the loans.
    township = models.ForeignKey("org.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    community = models.ForeignKey("org.Community", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name="社区/村")
    responsible_person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+", verbose_name="责任人")
    # Confirmed repayments after the baseline (any day up to now): the first with principal, and the sums.
    first_collected_on = models.DateField("首次收回本金日期", null=True, blank=True)
    collected_principal = models.DecimalField("已收回本金", max_digits=18, decimal_places=2, default=0)
    collected_interest = models.DecimalField("已收回利息", max_digits=18, decimal_places=2, default=0)
    collected_cash = models.DecimalField("现金/转账收回本金", max_digits=18, decimal_places=2, default=0)
    collected_refinance = models.DecimalField("借新还旧收回本金", max_digits=18, decimal_places=2, default=0)
    collected_court = models.DecimalField("法院执行收回本金", max_digits=18, decimal_places=2, default=0)
    collected_collateral = models.DecimalField("抵押物处置收回本金", max_digits=18, decimal_places=2, default=0)
    collected_other = models.DecimalField("其他方式收回本金", max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "清收行动任务贷款"
        constraints = [models.UniqueConstraint(fields=["campaign", "loan"], name="uniq_task_loan")]

    def __str__(self):
        return f"{self.campaign_id} {self.loan_id}"


class TaskUnit(models.Model):
    """The `TaskLoan` rows of one campaign and one unit (township, community, responsible person) added up, as
    stored derived state (issue 16): the campaign page reads a district's or a township's figures from these few
    rows. Kept with the rows by `campaigns.derive` (each change adds its difference); 0 stands for no community
    or no person, so the unique key holds on every database."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="task_units", verbose_name="清收行动")
    township = models.ForeignKey("org.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    community_key = models.BigIntegerField("社区/村（0为未分）", default=0)
    person_key = models.BigIntegerField("责任人（0为未分配）", default=0)
    task_count = models.IntegerField("任务笔数", default=0)
    task_amount = models.DecimalField("任务金额", max_digits=18, decimal_places=2, default=0)
    collected_count = models.IntegerField("收回本金笔数", default=0)
    collected_principal = models.DecimalField("已收回本金", max_digits=18, decimal_places=2, default=0)
    collected_interest = models.DecimalField("已收回利息", max_digits=18, decimal_places=2, default=0)
    collected_cash = models.DecimalField("现金/转账收回本金", max_digits=18, decimal_places=2, default=0)
    collected_refinance = models.DecimalField("借新还旧收回本金", max_digits=18, decimal_places=2, default=0)
    collected_court = models.DecimalField("法院执行收回本金", max_digits=18, decimal_places=2, default=0)
    collected_collateral = models.DecimalField("抵押物处置收回本金", max_digits=18, decimal_places=2, default=0)
    collected_other = models.DecimalField("其他方式收回本金", max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "清收行动任务汇总"
        constraints = [models.UniqueConstraint(fields=["campaign", "township", "community_key", "person_key"],
                                               name="uniq_task_unit")]

    def __str__(self):
        return f"{self.campaign_id} {self.township_id}/{self.community_key}/{self.person_key}"
