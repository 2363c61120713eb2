"""Collection: repayments from the bank's flow or recorded in the field, and the collection ledger."""
from django.conf import settings
from django.db import models

from npl.collection.choices import Channel, Method, Signature

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

    class Meta:
        verbose_name = verbose_name_plural = "还款记录"
        indexes = [models.Index(fields=["loan", "paid_on"])]

    def __str__(self):
        return self.txn_no


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

    class Meta:
        verbose_name = verbose_name_plural = "催收记录"
        constraints = [models.UniqueConstraint(fields=["loan", "acted_on", "method"], name="uniq_action_key")]
        ordering = ["acted_on", "pk"]

    def __str__(self):
        return f"{self.loan_id} {self.acted_on} {self.get_method_display()}"


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
