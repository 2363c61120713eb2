"""Category sources: government rosters (borrower level), the bank's loan list, manual decisions.

Memberships are dated [valid_from, valid_to): valid_to is the first day a person is no longer in.
Litigation and large-mortgage membership are derived from cases and balances (see categories.engine).
"""
import datetime as dt

from django.conf import settings
from django.db import models

from npl.categories.choices import ALL_CODES, ROSTER_KINDS
from npl.core import crypto
from npl.core.masking import mask_name


class RosterPerson(models.Model):
    """A person named on any roster, borrower or not yet (matched to borrowers by id_hash)."""

    id_hash = models.CharField("身份证号（匹配哈希）", max_length=64, unique=True)
    id_cipher = models.TextField("身份证号（密文）")
    id_masked = models.CharField("身份证号（脱敏）", max_length=18)
    name = models.CharField("姓名", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "名单人员"

    def __str__(self):
        return f"{mask_name(self.name)}（{self.id_masked}）"

    def reveal_id(self) -> str:
        return crypto.decrypt(self.id_cipher)


class RosterEntryQuerySet(models.QuerySet):
    def in_force(self, day):
        return self.filter(valid_from__lte=day).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=day))

    def applying_to(self, loan):
        """The entries whose scope holds the loan (see roster_applies)."""
        return self.filter(models.Q(district__isnull=True) | models.Q(district_id=loan.township.district_id)).filter(
            models.Q(township__isnull=True) | models.Q(township_id=loan.township_id))


def roster_applies(entry_district_id, entry_township_id, loan_district_id, loan_township_id) -> bool:
    """The one rule of a roster entry's scope: it applies to a loan when its district is the loan's district or
    NULL (every district: entries written before an installation had districts), and its township is the loan's
    township or NULL (the whole district). categories.engine writes the same rule as conditions."""
    return (entry_district_id is None or entry_district_id == loan_district_id) and (
        entry_township_id is None or entry_township_id == loan_township_id)


def township_districts(district_ids=()) -> dict[int, int]:
    """township id → its district id (a few dozen rows), for applying roster_applies to many loans; no query when
    none of the entries read (`district_ids`: theirs) has a district."""
    from npl.org.models import Township

    if all(d is None for d in district_ids):
        return {}
    return dict(Township.objects.values_list("pk", "district_id"))


class RosterEntry(models.Model):
    """One person on one roster kind, from valid_from until valid_to (exclusive); never rewritten."""

    kind = models.CharField("名单类型", max_length=30, choices=list(ROSTER_KINDS.items()), db_index=True)
    person = models.ForeignKey(RosterPerson, on_delete=models.PROTECT, related_name="entries", verbose_name="人员")
    # The entry's scope (roster_applies): its district's loans, or only its township's when a township is set.
    # district null: every district (entries written before the installation had districts; the migration gave
    # them the only district when there was one). township null: the whole district.
    district = models.ForeignKey("org.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="区县")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, null=True, blank=True, verbose_name="名单范围")
    name = models.CharField("名单姓名", max_length=50)
    details = models.JSONField("名单信息", default=dict, blank=True)  # 工作单位, 死亡日期, 刑满释放日期, 实际居住地…
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期（不含）", null=True, blank=True)
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_by = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "名单记录"
        indexes = [models.Index(fields=["kind", "valid_from"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.person}"


class LoanListEntry(models.Model):
    """A loan on the bank's impersonated/staff list (冒名顶替 / 农合行职工借名), dated."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="list_entries", verbose_name="贷款")
    list_kind = models.CharField("清单", max_length=30, default="impersonated_or_staff")
    subcategory = models.CharField("类型", max_length=30, choices=[("impersonated", "冒名顶替"), ("bank_staff", "农合行职工")])
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期（不含）", null=True, blank=True)
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_by = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "冒名及职工贷款清单记录"

    def __str__(self):
        return f"{self.loan_id} {self.get_subcategory_display()}"


class ManualMembership(models.Model):
    """A township admin adds or removes a loan by hand, with a reason; the district admin decides."""

    class Op(models.TextChoices):
        ADD = "add", "加入"
        REMOVE = "remove", "移出"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "已驳回"

    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="manual_memberships", verbose_name="贷款")
    code = models.CharField("类别", max_length=30, choices=[(c, c) for c in ALL_CODES])
    op = models.CharField("操作", max_length=10, choices=Op.choices)
    reason = models.CharField("理由", max_length=500)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)
    valid_from = models.DateField("起始日期", null=True, blank=True)  # the approval day
    valid_to = models.DateField("截止日期（不含）", null=True, blank=True)

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "人工调整类别"

    def __str__(self):
        return f"{self.loan_id} {self.get_op_display()} {self.code}"


class ThresholdChange(models.Model):
    """A change of the 大额抵押 threshold from a day on, keeping the value before it for past days."""

    BASE_DAY = dt.date(1900, 1, 1)  # a district's base row when it adopted a default that had no history

    # NULL: the province default (npl.core.tenancy); a district's own history once it keeps its own threshold.
    district = models.ForeignKey("org.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name="区县")
    valid_from = models.DateField("生效日期")
    value = models.DecimalField("门槛（元）", max_digits=18, decimal_places=2)
    previous = models.DecimalField("此前门槛（元）", max_digits=18, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="设置人")
    set_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "大额抵押门槛变更"
        ordering = ["valid_from", "pk"]

    def __str__(self):
        return f"{self.valid_from} {self.previous}→{self.value}"

    @property
    def is_base(self) -> bool:
        return self.valid_from == self.BASE_DAY


class Membership(models.Model):
    """A loan's category or subcategory as stored derived state (issue 16): what `categories.engine` says for
    the day it was computed, kept current by `categories.derive` (a row per loan that exists that day and each
    code it is in; pages count those with a balance > 0). Never the record: past days ask the engine."""

    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="memberships", verbose_name="贷款")
    code = models.CharField("类别", max_length=30, choices=[(c, c) for c in ALL_CODES])
    # Denormalised from the loan, so the report groups by township without joining a million loans.
    township = models.ForeignKey("org.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    balance = models.DecimalField("当日本金余额（元）", max_digits=18, decimal_places=2)
    day = models.DateField("计算日期")  # the day these figures were last computed as changed

    class Meta:
        verbose_name = verbose_name_plural = "类别归属（派生）"
        constraints = [models.UniqueConstraint(fields=["loan", "code"], name="categories_membership_loan_code")]
        indexes = [
            models.Index(fields=["code", "township"], name="categories_membership_report"),
            models.Index(fields=["code", "loan"], name="categories_membership_scope"),
        ]

    def __str__(self):
        return f"{self.loan_id} {self.code}"


class CategoryLink(models.Model):
    """How many of a borrower's live memberships (balance > 0) of one code lie in one unit (`categories.totals`):
    the unit counts the borrower as a household of the code while this is > 0. Kept by database triggers on the
    memberships and the loans; never written by the application."""

    code = models.CharField("类别", max_length=30, choices=[(c, c) for c in ALL_CODES])
    level = models.SmallIntegerField("层级")  # loans.HouseholdLevel: all, region, district, township
    unit = models.BigIntegerField("单位")
    borrower_id = models.BigIntegerField("借款人")  # no foreign key: the triggers write it, a flush empties it
    memberships = models.IntegerField("笔数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "类别户数关联（派生）"
        constraints = [models.UniqueConstraint(fields=["code", "level", "unit", "borrower_id"],
                                               name="uniq_category_link")]

    def __str__(self):
        return f"{self.code} {self.level}/{self.unit} #{self.borrower_id}: {self.memberships}"


class CategoryTotal(models.Model):
    """Today's 笔数, 户数 and balance (in cents: exact on SQLite too) of the live memberships of a code per unit,
    kept with `CategoryLink` by the same triggers: the category report reads a row per code, counts nothing."""

    code = models.CharField("类别", max_length=30, choices=[(c, c) for c in ALL_CODES])
    level = models.SmallIntegerField("层级")
    unit = models.BigIntegerField("单位")
    loans = models.BigIntegerField("笔数", default=0)
    households = models.BigIntegerField("户数", default=0)
    amount_cents = models.BigIntegerField("本金余额（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "类别合计（派生）"
        constraints = [models.UniqueConstraint(fields=["code", "level", "unit"], name="uniq_category_total")]

    def __str__(self):
        return f"{self.code} {self.level}/{self.unit}: {self.loans} 笔 {self.households} 户"
