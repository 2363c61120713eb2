"""Refinancing requests (借新还旧, 转贷): asked by the township, processed by the loan's branch, every step timed."""
from django.conf import settings
from django.db import models

from npl.refinance.choices import OPEN_STEPS, Kind, Step

MONEY = {"max_digits": 18, "decimal_places": 2}


class RequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """Requests about the loans the person may reach."""
        from npl.loans.models import Loan

        return self.filter(loan__in=Loan.objects.for_user(user))

    def open(self):
        return self.filter(status__in=OPEN_STEPS)


class RefinanceRequest(models.Model):
    """A township's request that the branch refinance a loan; the township's agreement is recorded here,
    so the printout needs no paper stamp."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="refinance_requests", verbose_name="贷款")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # The units when asked: the timing table stays the same if a loan later moves branch.
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, related_name="+", verbose_name="申请乡镇")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="refinance_requests", verbose_name="办理网点")
    amount = models.DecimalField("申请金额（元）", null=True, blank=True, **MONEY)
    reason = models.CharField("申请理由", max_length=500)
    township_agreed = models.BooleanField("乡镇同意", default=False)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="乡镇同意人"
    )
    agreed_at = models.DateTimeField("乡镇同意时间", null=True, blank=True)
    status = models.CharField("当前步骤", max_length=20, choices=Step.choices, default=Step.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间", db_index=True)
    disbursed_at = models.DateTimeField("放款时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    new_loan_no = models.CharField("新借据号", max_length=50, blank=True)
    version = models.PositiveIntegerField("版本", default=1)  # optimistic locking

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "借新还旧/转贷申请"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=models.Q(status__in=OPEN_STEPS), name="one_open_refinance_per_loan"
            )
        ]

    def __str__(self):
        return f"{self.loan} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STEPS


class RefinanceStep(models.Model):
    """One timed step of a request, with who took it; never rewritten."""

    request = models.ForeignKey(RefinanceRequest, on_delete=models.CASCADE, related_name="steps", verbose_name="申请")
    step = models.CharField("步骤", max_length=20, choices=Step.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="办理人")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理步骤"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.request_id} {self.get_step_display()} {self.at:%Y-%m-%d %H:%M}"
