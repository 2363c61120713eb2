"""Collection: repayments from the bank's flow or recorded in the field, the collection ledger and its promises,
repayment plans (一笔一策), contract terms for allocating repayments, and interest suspensions (停息挂账)."""
from django.conf import settings
from django.db import models

from npl.collection.choices import (
    ACTIVE_PLAN_STATUSES,
    AllocationOrder,
    Channel,
    DemandBy,
    DemandEvidence,
    InstalmentStatus,
    Method,
    Outcome,
    PlanStatus,
    PromiseStatus,
    ReviewStatus,
    Signature,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class Repayment(models.Model):
    """One repayment (交易流水); principal and interest kept apart, interest never counts as collected."""

    txn_no = models.CharField("交易流水号", max_length=64, unique=True)
    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="repayments", verbose_name="贷款")
    paid_on = models.DateField("还款日期", db_index=True)
    principal = models.DecimalField("归还本金", **MONEY)
    interest = models.DecimalField("归还利息", default=0, **MONEY)
    costs = models.DecimalField("归还费用", default=0, **MONEY)
    channel = models.CharField("还款方式", max_length=20, choices=Channel.choices, default=Channel.CASH)
    channel_text = models.CharField("原始还款方式", max_length=20, blank=True)
    confirmed = models.BooleanField("已确认", default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="确认人"
    )
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # Field-recorded repayments (maker-checker): the collector records the amount received, the branch
    # confirms or refuses it; the split into costs / interest / principal is fixed on confirmation.
    amount = models.DecimalField("实收金额", null=True, blank=True, **MONEY)
    note = models.CharField("备注", max_length=500, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="退回人"
    )
    refused_at = models.DateTimeField("退回时间", null=True, blank=True)
    refusal_reason = models.CharField("退回原因", max_length=300, blank=True)
    # 借新还旧: the old loan's guarantors are released unless they also guarantee the new loan.
    new_loan_no = models.CharField("新贷款借据号", max_length=50, blank=True)
    continuing_guarantors = models.ManyToManyField(
        "loans.Guarantor", blank=True, related_name="+", verbose_name="继续为新贷款担保的保证人"
    )
    guarantors_processed = models.BooleanField("已处理保证人解除", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "还款记录"
        indexes = [models.Index(fields=["loan", "paid_on"])]

    def __str__(self):
        return self.txn_no

    @property
    def review_status(self) -> str:
        if self.confirmed:
            return ReviewStatus.CONFIRMED
        return ReviewStatus.REFUSED if self.refused_at else ReviewStatus.PENDING

    @property
    def review_label(self) -> str:
        return ReviewStatus(self.review_status).label

    @property
    def total(self):
        return self.principal + self.interest + self.costs


class CollectionAction(models.Model):
    """A collection action (催收台账): what was done, how it was received, what was promised."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="actions", verbose_name="贷款")
    acted_on = models.DateField("催收日期")
    method = models.CharField("催收方式", max_length=20, choices=Method.choices)
    signature = models.CharField("签收情况", max_length=20, choices=Signature.choices, blank=True)
    collector_name = models.CharField("催收人", max_length=50, blank=True)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="催收人员"
    )
    outcome = models.CharField("催收结果", max_length=200, blank=True)
    promise_date = models.DateField("承诺还款日期", null=True, blank=True)
    promise_amount = models.DecimalField("承诺还款金额", null=True, blank=True, **MONEY)
    next_follow_up = models.DateField("下次跟进日期", null=True, blank=True)
    evidence = models.FileField("证据照片", upload_to="evidence/%Y/%m/", blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    outcome_code = models.CharField("接触结果", max_length=20, choices=Outcome.choices, blank=True)
    # A promise (承诺还款) lives on its action: blank status with a promise date (an imported ledger row)
    # counts as open; the sweep and repayment confirmations settle it as kept or broken.
    promise_status = models.CharField("承诺状态", max_length=10, choices=PromiseStatus.choices, blank=True)
    promise_closed_on = models.DateField("承诺结清/违约日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "催收记录"
        constraints = [models.UniqueConstraint(fields=["loan", "acted_on", "method"], name="uniq_action_key")]
        # The township home's 近30天违约承诺: the promises broken lately, not a scan of the whole ledger (1.9M actions
        # at 1M loans; 28 ms of the township home's 81 at 100k). With the id, in the list's own order: a sweep that
        # closes 143,949 promises on one day left the day alone sorting them all (130 ms at 1M; 1.2 ms with it).
        indexes = [models.Index(fields=["promise_closed_on", "id"], condition=models.Q(promise_status="broken"),
                                name="action_broken_promise_by_id")]
        ordering = ["acted_on", "pk"]

    def __str__(self):
        return f"{self.loan_id} {self.acted_on} {self.get_method_display()}"


class GuarantorDemand(models.Model):
    """The bank's demand that a guarantor pay (要求承担保证责任, 民法典 art. 694): a dated row, never rewritten.

    Made within the guarantee period it starts the guarantor's own 3-year limitation period; a later demand
    interrupts and restarts it (art. 195). The rules are in npl.collection.clocks.rules.
    """

    guarantor = models.ForeignKey("loans.Guarantor", on_delete=models.PROTECT, related_name="demands", verbose_name="保证人")
    demanded_on = models.DateField("要求承担保证责任日期")
    made_by = models.CharField("主张人", max_length=20, choices=DemandBy.choices, default=DemandBy.BANK)
    evidence_type = models.CharField("证据类型", max_length=20, choices=DemandEvidence.choices)
    evidence = models.FileField("证据照片", upload_to="guarantor_demands/%Y/%m/", blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "向保证人主张保证责任"
        constraints = [models.UniqueConstraint(fields=["guarantor", "demanded_on"], name="uniq_guarantor_demand_day")]
        ordering = ["demanded_on", "pk"]

    def __str__(self):
        return f"{self.guarantor} {self.demanded_on}"


class RepaymentAgreement(models.Model):
    """A written act by which the borrower agrees to pay (还款协议书, signed plan, security, extension request).

    It interrupts the limitation period (民法典 art. 195, basis `agreement`) and, being the borrower's own
    signature, revives a lapsed claim (flagged for legal review).
    """

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "还款协议书"
        PLAN = "plan", "签字的还款计划"
        SECURITY = "security", "提供担保"
        EXTENSION = "extension", "申请延期还款"

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="agreements", verbose_name="贷款")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.AGREEMENT)
    signed_on = models.DateField("借款人签署日期", db_index=True)
    note = models.CharField("说明", max_length=500, blank=True)
    evidence = models.FileField("签字文书照片", upload_to="agreements/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "还款协议（书面同意履行）"
        ordering = ["signed_on", "pk"]

    def __str__(self):
        return f"{self.loan_id} {self.get_kind_display()} {self.signed_on}"


class ContractTerms(models.Model):
    """合同约定: per-loan settings from the contract, such as the order in which a repayment is allocated."""

    loan = models.OneToOneField("loans.Loan", on_delete=models.CASCADE, related_name="terms", verbose_name="贷款")
    allocation_order = models.CharField(
        "还款冲抵顺序", max_length=30, choices=AllocationOrder.choices, default=AllocationOrder.COSTS_INTEREST_PRINCIPAL
    )
    note = models.CharField("合同依据", max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="设置人"
    )
    set_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同约定"

    def __str__(self):
        return f"{self.loan_id} {self.get_allocation_order_display()}"


class InterestSuspension(models.Model):
    """停息挂账: interest stops accruing from starts_on until `until` (e.g. an imprisoned borrower's release)."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="interest_suspensions", verbose_name="贷款")
    starts_on = models.DateField("停息起始日期")
    until = models.DateField("停息截止日期")
    reason = models.CharField("原因", max_length=300)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="办理人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    ended_on = models.DateField("恢复计息日期", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="恢复人"
    )
    end_reason = models.CharField("恢复原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "停息挂账"
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["loan"], condition=models.Q(ended_on__isnull=True), name="one_open_suspension_per_loan")
        ]

    def __str__(self):
        return f"{self.loan_id} {self.starts_on}～{self.until}"


class RepaymentPlan(models.Model):
    """一笔一策: one loan's repayment plan with its people and measures, approved by the township admin."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="plans", verbose_name="贷款")
    status = models.CharField("状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED, db_index=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="责任领导"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="责任人"
    )
    measures = models.TextField("清收措施", blank=True)
    signed_on = models.DateField("借款人签字日期")
    evidence = models.FileField("签字计划照片", upload_to="plans/%Y/%m/", blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提交人")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    agreement = models.OneToOneField(
        RepaymentAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="plan", verbose_name="还款协议"
    )
    broken_on = models.DateField("违约日期", null=True, blank=True)
    completed_on = models.DateField("履行完毕日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "还款计划"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=models.Q(status__in=[s.value for s in ACTIVE_PLAN_STATUSES]), name="one_active_plan_per_loan"
            )
        ]

    def __str__(self):
        return f"{self.loan_id} 还款计划（{self.get_status_display()}）"

    @property
    def total(self):
        return sum((i.amount for i in self.instalments.all()), start=0)


class PlanInstalment(models.Model):
    """One instalment of a plan: due date and amount; paid or missed is judged from confirmed repayments."""

    plan = models.ForeignKey(RepaymentPlan, on_delete=models.CASCADE, related_name="instalments", verbose_name="还款计划")
    seq = models.PositiveSmallIntegerField("期次")
    due_on = models.DateField("应还日期")
    amount = models.DecimalField("应还金额", **MONEY)
    status = models.CharField("状态", max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE)
    paid_on = models.DateField("还清日期", null=True, blank=True)
    missed_on = models.DateField("逾期认定日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "还款计划分期"
        ordering = ["plan", "seq"]
        constraints = [models.UniqueConstraint(fields=["plan", "seq"], name="uniq_instalment_seq")]

    def __str__(self):
        return f"第{self.seq}期 {self.due_on} {self.amount}"


class LoanClock(models.Model):
    """A loan's legal clocks as of `day`, stored (issue 16): derived from its events by collection.clocks.store,
    kept current in the transaction of each change and by the daily sweep; `npl derive --check` recomputes them."""

    loan = models.OneToOneField("loans.Loan", on_delete=models.CASCADE, related_name="clock", verbose_name="贷款")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name="网点")
    day = models.DateField("计算日")
    # The loan's principal balance that day (NULL: it did not exist yet): the home pages count the clocks of loans
    # with a balance > 0 from these rows alone, as they counted them through loans.balances.
    balance = models.DecimalField("当日本金余额（元）", null=True, **MONEY)
    # Whether the loan is settled (已结清): the alert page leaves those out, and counts from these rows alone.
    settled = models.BooleanField("已结清", default=False)
    # 诉讼时效 (the limitation period)
    status = models.CharField("诉讼时效状态", max_length=20)
    deadline = models.DateField("诉讼时效届满日", null=True)  # None while a bank suit holds the claim
    nominal_deadline = models.DateField("名义届满日", null=True)
    deadline_reason = models.CharField("顺延说明", max_length=200, blank=True)
    basis = models.CharField("起算依据", max_length=20)
    schedule_missing = models.BooleanField("节假日安排缺失", default=False)
    needs_legal_review = models.BooleanField("需法务复核", default=False)
    # 申请执行期限 (the enforcement period)
    enforcement_status = models.CharField("申请执行期限状态", max_length=20, blank=True)
    enforcement_deadline = models.DateField("申请执行期限届满日", null=True)
    enforcement_nominal_deadline = models.DateField("申请执行期限名义届满日", null=True)
    enforcement_reason = models.CharField("申请执行期限顺延说明", max_length=200, blank=True)
    enforcement_schedule_missing = models.BooleanField("申请执行期限节假日安排缺失", default=False)
    # 保证期间 and 保证人诉讼时效: how many guarantors are in the page's two lists, and the earliest such deadline
    guarantee_alerts = models.PositiveSmallIntegerField("保证期间预警人数", default=0)
    guarantee_due = models.DateField("最早保证期间届满日", null=True)
    claim_alerts = models.PositiveSmallIntegerField("保证人诉讼时效预警人数", default=0)
    claim_due = models.DateField("最早保证人诉讼时效届满日", null=True)
    data = models.JSONField("完整计算结果", default=dict)  # the Clock with its trail and guarantors (store.to_data)

    class Meta:
        verbose_name = verbose_name_plural = "法律时效（派生）"
        ordering = ["loan_id"]
        indexes = [
            models.Index(fields=["township", "status", "deadline"], name="clock_town_status"),
            models.Index(fields=["status", "deadline"], name="clock_status"),
            models.Index(fields=["enforcement_status", "enforcement_deadline"], name="clock_enforcement"),
            models.Index(fields=["day"], name="clock_day"),
            # The home pages' and the alert page's counts read these indexes only (index-only scans on PostgreSQL):
            # the rows themselves are wide (`data`), a count over them read every page of the table.
            models.Index(fields=["status", "township"], name="clock_status_town", condition=models.Q(balance__gt=0)),
            models.Index(fields=["township", "settled", "status"], name="clock_alert_counts",
                         include=["enforcement_status", "guarantee_alerts", "claim_alerts", "schedule_missing"]),
        ]

    def __str__(self):
        return f"{self.loan_id} {self.status} {self.deadline}"

    def to_clock(self):
        """The stored Clock, as compute_clocks(..., full=True, details=True) gave it."""
        from npl.collection.clocks.rows import from_data

        return from_data(self.data)


class ClockTotal(models.Model):
    """法律时效合计: how many stored clocks (and their guarantors in the two guarantor lists) per township and per
    what the alert page and the home pages count by — settled, a balance today, limitation status, an enforcement
    alert, guarantee and claim alerts, a missing holiday schedule.

    Kept by database triggers on the clock rows (`collection.clocks.totals`, written by `core.totals`) in the
    transaction of the statement that writes them, so the counts read a few rows, not every loan's clock (issue 16).
    Never written by the application; `npl derive --check` recounts them."""

    township = models.ForeignKey("org.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    settled = models.BooleanField("已结清")
    live = models.BooleanField("当日本金余额大于零")
    status = models.CharField("诉讼时效状态", max_length=20)
    enforcement_alert = models.BooleanField("申请执行期限预警")
    guarantee_alert = models.BooleanField("保证期间预警")
    claim_alert = models.BooleanField("保证人诉讼时效预警")
    schedule_missing = models.BooleanField("节假日安排缺失")
    loans = models.BigIntegerField("笔数", default=0)
    guarantors = models.BigIntegerField("保证期间预警人数", default=0)
    claims = models.BigIntegerField("保证人诉讼时效预警人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "法律时效合计"
        constraints = [models.UniqueConstraint(
            fields=["township", "settled", "live", "status", "enforcement_alert", "guarantee_alert", "claim_alert",
                    "schedule_missing"], name="uniq_clock_total_key")]

    def __str__(self):
        return f"{self.township_id}/{self.status}: {self.loans}"
