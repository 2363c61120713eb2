"""The waiver ruler (一把尺子): versioned policy tables with their tiers, and borrowers' waiver requests."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from npl.waivers.choices import OPEN_STATUSES, RepayMode, RequestStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
SHARE = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


POLICY = "waivers"  # the waiver policy's kind of per-district settings (npl.core.tenancy)


class PolicyVersion(models.Model):
    """减免政策版本: one published table of tiers, in force from its date until the next version's date."""

    # NULL: the province default (npl.core.tenancy); a district's own versions once it keeps its own policy.
    district = models.ForeignKey("org.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name="区县")
    name = models.CharField("版本名称", max_length=50)  # e.g. 2026年第1版; unique per owner
    effective_from = models.DateField("生效日期")  # unique per owner
    branch_limit = models.DecimalField("网点审批上限（元）", default=Decimal("50000.00"), **MONEY)
    reoffer_after_void = models.BooleanField("违约作废后仍可按本版本减免", default=False)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="制定人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "减免政策版本"
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="uniq_policy_name_per_district"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(district__isnull=True), name="uniq_policy_name_of_default"),
            models.UniqueConstraint(fields=["district", "effective_from"], name="uniq_policy_day_per_district"),
            models.UniqueConstraint(fields=["effective_from"], condition=models.Q(district__isnull=True),
                                    name="uniq_policy_day_of_default"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def in_force(cls, day, district_id=None):
        """The version in force on `day` for a district (its own policy, or the province default's — None: the
        default's): the latest whose date has come, or None."""
        from npl.core import tenancy

        return cls.in_force_of(tenancy.owner(POLICY, district_id), day)

    @classmethod
    def in_force_of(cls, owner_id, day):
        """One owner's version in force on `day` (owner: a district keeping its own, None the default)."""
        from npl.core.tenancy import of_owner

        return cls.objects.filter(effective_from__lte=day, **of_owner(owner_id)).order_by("-effective_from").first()


class PolicyTier(models.Model):
    """减免档次: for a category (or any loan), the shares that may be waived and the condition to meet."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="tiers", verbose_name="政策版本")
    name = models.CharField("档次名称", max_length=50)
    category = models.CharField("适用类别", max_length=40, blank=True)  # a category or subcategory code; blank: any loan
    priority = models.PositiveSmallIntegerField("优先级", default=0)  # breaks ties between equally favourable tiers
    penalty_share = models.DecimalField("罚息减免比例（%）", **SHARE)
    compound_share = models.DecimalField("复利减免比例（%）", **SHARE)
    interest_share = models.DecimalField("利息减免比例（%）", **SHARE)
    mode = models.CharField("还款方式", max_length=20, choices=RepayMode.choices, default=RepayMode.LUMP_SUM)
    repay_by = models.DateField("本金还清期限")
    max_instalments = models.PositiveSmallIntegerField("最多分期数", default=1)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "减免档次"
        ordering = ["version", "-priority", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="uniq_tier_name_per_version")]

    def __str__(self):
        return f"{self.version.name} · {self.name}"


class WaiverRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """Requests on loans the person may reach (each borrower's waiver is confidential outside scope)."""
        from npl.loans.models import Loan

        return self.filter(loan__in=Loan.objects.for_user(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def kpi_excluded_on(self, day):
        """Marked 不计入考核 and standing on `day`: approved on or before it, not voided by then (dated, so
        the campaign figures of a past day never move)."""
        return self.filter(exclude_from_kpi=True, approved_on__lte=day).exclude(voided_on__lte=day)


class WaiverRequest(models.Model):
    """减免申请: a borrower's waiver under a tier, agreed repayment first (先还后免), maker-checker."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="waiver_requests", verbose_name="贷款")
    tier = models.ForeignKey(PolicyTier, on_delete=models.PROTECT, related_name="requests", verbose_name="减免档次")
    status = models.CharField("状态", max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED, db_index=True)
    as_of = models.DateField("测算日期")
    # The payoff on the request day: what the checker approves and what decides the approval level.
    est_penalty = models.DecimalField("测算减免罚息", **MONEY)
    est_compound = models.DecimalField("测算减免复利", **MONEY)
    est_interest = models.DecimalField("测算减免利息", **MONEY)
    est_total = models.DecimalField("测算减免合计", **MONEY)
    agreed_amount = models.DecimalField("约定还款金额", **MONEY)
    deadline = models.DateField("约定还款期限")
    mode = models.CharField("还款方式", max_length=20, choices=RepayMode.choices, default=RepayMode.LUMP_SUM)
    plan = models.ForeignKey(
        "collection.RepaymentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="还款计划"
    )
    reason = models.CharField("申请理由", max_length=500)
    exclude_from_kpi = models.BooleanField("不计入考核", default=False)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    made_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    # Fixed on application: the shares applied to the figures of that day.
    applied_on = models.DateField("生效日期", null=True, blank=True)
    waived_penalty = models.DecimalField("已减免罚息", default=0, **MONEY)
    waived_compound = models.DecimalField("已减免复利", default=0, **MONEY)
    waived_interest_on = models.DecimalField("已减免表内利息", default=0, **MONEY)
    waived_interest_off = models.DecimalField("已减免表外利息", default=0, **MONEY)
    voided_on = models.DateField("作废日期", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="作废人"
    )

    objects = WaiverRequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "减免申请"
        ordering = ["-made_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=models.Q(status__in=[s.value for s in OPEN_STATUSES]), name="one_open_waiver_per_loan"
            )
        ]

    def __str__(self):
        return f"减免申请#{self.pk}（{self.get_status_display()}）"

    @property
    def waived_total(self):
        return self.waived_penalty + self.waived_compound + self.waived_interest_on + self.waived_interest_off
