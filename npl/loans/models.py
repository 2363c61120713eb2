"""The registry: borrowers, loans, guarantors, the bank's balance snapshots and the append-only history."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from npl.core import crypto, derived, idnumber
from npl.core.masking import mask_name, mask_phone
from npl.loans.choices import Classification, EventKind, Gender, LoanStatus
from npl.loans.search import pinyin_keys

MONEY = {"max_digits": 18, "decimal_places": 2}


class BorrowerQuerySet(models.QuerySet):
    def for_user(self, user):
        """Borrowers with at least one loan the user may see."""
        return self.filter(pk__in=Loan.objects.for_user(user).values("borrower_id")).distinct()

    def with_id(self, number: str):
        return self.filter(id_hash=crypto.keyed_hash(number))


class Borrower(models.Model):
    """借款人: one person, keyed by the keyed hash of the 18-character ID number."""

    name = models.CharField("姓名", max_length=50, db_index=True)
    pinyin_initials = models.CharField("拼音首字母", max_length=100, blank=True, db_index=True)
    pinyin_full = models.CharField("全拼", max_length=300, blank=True)
    id_cipher = models.TextField("身份证号（密文）")
    id_hash = models.CharField("身份证号（匹配哈希）", max_length=64, unique=True)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18)
    id_last4 = models.CharField("身份证后四位", max_length=4, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone_cipher = models.TextField("联系电话（密文）", blank=True)
    phone_masked = models.CharField("联系电话（脱敏）", max_length=30, blank=True)
    registered_address = models.CharField("户籍地址", max_length=200, blank=True)
    actual_address = models.CharField("实际居住地", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = BorrowerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "借款人"

    def __str__(self):
        return f"{self.masked_name}（{self.id_masked}）"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    def set_id_number(self, number: str) -> None:
        """Store an already-normalised 18-character ID: cipher, hash, mask, and what it tells."""
        self.id_cipher = crypto.encrypt(number)
        self.id_hash = crypto.keyed_hash(number)
        self.id_masked = idnumber.mask(number)
        self.id_last4 = number[-4:]
        self.gender = idnumber.gender(number)
        self.birth_date = idnumber.birth_date(number)

    def set_name(self, name: str) -> None:
        self.name = name
        self.pinyin_initials, self.pinyin_full = pinyin_keys(name)

    def set_phone(self, phone: str) -> None:
        self.phone_cipher = crypto.encrypt(phone)
        self.phone_masked = mask_phone(phone)

    def reveal_id(self) -> str:
        """Full ID number; callers log the view (see accounts.services.reveal)."""
        return crypto.decrypt(self.id_cipher)

    def reveal_phone(self) -> str:
        return crypto.decrypt(self.phone_cipher)


class LoanQuerySet(models.QuerySet):
    def for_user(self, user):
        """The loans a person may reach: their role and unit decide (DOMAIN.md, 'Who uses it')."""
        from npl.accounts.scope import loan_scope

        return loan_scope(self, user)

    def search(self, text: str):
        """One box: name, pinyin initials (zs) or full pinyin, loan number, or the last 4 of the ID.

        Letters only are pinyin (the start of any reading's variant: `zs` finds 张三, not 王张三); text with
        a Chinese character is a name (anywhere in it); the rest a loan number or an ID's last four. Pinyin
        and names go through the borrower search index (`loans.search_index`), never a scan of the loans.
        """
        from django.db import connections

        from npl.loans.search_index import borrower_match

        text = (text or "").strip()
        if not text:
            return self
        connection = connections[self.db]
        if text.isascii() and text.isalpha():
            return self.filter(borrower_match(text.lower(), connection, Borrower.objects.all(), pinyin=True))
        if not text.isascii():
            return self.filter(borrower_match(text, connection, Borrower.objects.all(), pinyin=False))
        q = models.Q(loan_no__icontains=text)
        if len(text) == 4 and (text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX")):
            q |= models.Q(borrower__id_last4=text.upper())
        return self.filter(q)


class Loan(models.Model):
    """借据: one loan, its current figures (the latest bank snapshot less later repayments) and its people."""

    loan_no = models.CharField("借据号", max_length=50, unique=True)
    contract_no = models.CharField("合同号", max_length=50, blank=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans", verbose_name="借款人")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, related_name="loans", verbose_name="乡镇")
    community = models.ForeignKey(
        "org.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="loans", verbose_name="社区/村"
    )
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="loans", verbose_name="网点")
    amount = models.DecimalField("贷款金额", **MONEY)
    principal_balance = models.DecimalField("本金余额", **MONEY)
    interest_on = models.DecimalField("表内欠息", default=0, **MONEY)
    interest_off = models.DecimalField("表外欠息", default=0, **MONEY)
    penalty_interest = models.DecimalField("罚息", default=0, **MONEY)
    compound_interest = models.DecimalField("复利", default=0, **MONEY)
    costs = models.DecimalField("费用", default=0, **MONEY)
    issue_date = models.DateField("发放日期")
    maturity_date = models.DateField("到期日期")
    rate = models.DecimalField("执行年利率（%）", max_digits=9, decimal_places=4, null=True, blank=True)
    guarantee = models.CharField("担保方式", max_length=100)
    has_mortgage = models.BooleanField("含抵押", default=False, db_index=True)
    collateral_desc = models.CharField("抵押物", max_length=300, blank=True)
    collateral_value = models.DecimalField("抵押物评估价值", null=True, blank=True, **MONEY)
    classification = models.CharField("五级分类", max_length=20, choices=Classification.choices, blank=True)
    account_manager = models.CharField("客户经理", max_length=50, blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_loans", verbose_name="责任领导"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_loans", verbose_name="责任人"
    )
    status = models.CharField("状态", max_length=20, choices=LoanStatus.choices, default=LoanStatus.REGISTERED, db_index=True)
    interest_suspended = models.BooleanField("停息挂账", default=False)
    snapshot_date = models.DateField("银行快照日期")
    # The day of its latest confirmed repayment (NULL: none), kept by services.refresh_current with the balance:
    # the balance on a past day adds back what was repaid after it only for loans repaid after it (loans.balances),
    # read from this column instead of a list of every such loan, which PostgreSQL stops hashing past work_mem.
    last_repaid_on = models.DateField("最近一次确认还款日期", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1)  # optimistic locking
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "贷款"
        ordering = ["loan_no"]
        # (township, loan_no): a township's page of the ledger in loan-number order, read from the index.
        # (responsible_person) with the id and township: a collector's scope (accounts.scope) read from the index
        # alone on PostgreSQL; the busiest collector of the 1M demo holds 25,874 loans, one table page apiece.
        indexes = [models.Index(fields=["township", "status"]), models.Index(fields=["township", "loan_no"]),
                   models.Index(fields=["responsible_person"], include=["id", "township"], name="loan_person_cover")]

    def __str__(self):
        return self.loan_no

    def clean(self):
        if self.maturity_date and self.issue_date and self.maturity_date < self.issue_date:
            raise ValidationError({"maturity_date": "到期日期早于发放日期"})

    def save(self, *args, **kwargs):
        self.has_mortgage = "抵押" in (self.guarantee or "")
        super().save(*args, **kwargs)

    @property
    def interest_total(self):
        return self.interest_on + self.interest_off + self.penalty_interest + self.compound_interest


class LoanTotal(models.Model):
    """贷款合计: how many loans and how much principal balance per township, village, branch and status.

    Kept by database triggers on the loans table (`loans.totals`), in the transaction of the statement that
    writes the loans — an import's COPY and bulk updates included — so the ledger's 共 N 笔 and its balance are
    exact without reading every loan. Never written by the application."""

    township = models.ForeignKey("org.Township", on_delete=models.CASCADE, related_name="+", verbose_name="乡镇")
    community_key = models.BigIntegerField("社区/村", default=0)  # the community's id, 0 when the loan has none
    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="+", verbose_name="网点")
    status = models.CharField("状态", max_length=20, choices=LoanStatus.choices)
    loans = models.BigIntegerField("笔数", default=0)
    balance = models.DecimalField("本金余额", default=0, **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = "贷款合计"
        constraints = [models.UniqueConstraint(fields=["township", "community_key", "branch", "status"],
                                               name="uniq_loan_total_key")]

    def __str__(self):
        return f"{self.township_id}/{self.community_key}/{self.branch_id}/{self.status}: {self.loans}"


class HouseholdLevel(models.IntegerChoices):
    """The units whose households (户数: distinct borrowers) are stored; `sub` names the second id of a pair."""

    ALL = 0, "全部"
    REGION = 1, "省/市"
    DISTRICT = 2, "区"
    TOWNSHIP = 3, "乡镇"
    COMMUNITY = 4, "社区/村（sub：乡镇）"  # unit 0: the township's loans without a village
    BRANCH = 5, "网点（sub：区）"  # a branch clerk's scope is the branch's loans in their district
    BRANCH_TOWNSHIP = 6, "网点×乡镇"


class HouseholdLink(models.Model):
    """How many of a borrower's loans lie in one unit (`loans.households`): the unit counts the borrower as a
    household while this is > 0. Kept by database triggers on the loans table; never written by the application."""

    level = models.SmallIntegerField("层级", choices=HouseholdLevel.choices)
    unit = models.BigIntegerField("单位")
    sub = models.BigIntegerField("第二单位", default=0)
    borrower_id = models.BigIntegerField("借款人")  # no foreign key: the triggers write it, a flush empties it
    loans = models.IntegerField("笔数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "户数关联（派生）"
        constraints = [models.UniqueConstraint(fields=["level", "unit", "sub", "borrower_id"],
                                               name="uniq_household_link")]

    def __str__(self):
        return f"{self.level}/{self.unit}/{self.sub} #{self.borrower_id}: {self.loans}"


class HouseholdCount(models.Model):
    """户数 per unit: the borrowers with at least one loan in it, kept with `HouseholdLink` by the same triggers,
    so the homes read a district's or township's households instead of counting distinct borrowers."""

    level = models.SmallIntegerField("层级", choices=HouseholdLevel.choices)
    unit = models.BigIntegerField("单位")
    sub = models.BigIntegerField("第二单位", default=0)
    households = models.BigIntegerField("户数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "户数（派生）"
        constraints = [models.UniqueConstraint(fields=["level", "unit", "sub"], name="uniq_household_count")]

    def __str__(self):
        return f"{self.level}/{self.unit}/{self.sub}: {self.households}"


class Guarantor(models.Model):
    """保证人 of a loan; the guarantee period is watched in the clocks."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="guarantors", verbose_name="贷款")
    name = models.CharField("姓名", max_length=50)
    id_cipher = models.TextField("身份证号（密文）", blank=True)
    id_hash = models.CharField("身份证号（匹配哈希）", max_length=64, blank=True, db_index=True)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18, blank=True)
    phone_cipher = models.TextField("联系电话（密文）", blank=True)
    guarantee_months = models.PositiveSmallIntegerField("保证期间（月）", null=True, blank=True)
    released_on = models.DateField("解除日期", null=True, blank=True)
    released_reason = models.CharField("解除原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "保证人"

    def __str__(self):
        return mask_name(self.name)


class LoanSnapshot(models.Model):
    """The bank's figures for a loan on the as-of day of a loans import (balances on a past day start here)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="snapshots", verbose_name="贷款")
    as_of = models.DateField("快照日期")
    principal_balance = models.DecimalField("本金余额", **MONEY)
    interest_on = models.DecimalField("欠息", default=0, **MONEY)
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, verbose_name="导入批次")

    class Meta:
        verbose_name = verbose_name_plural = "余额快照"
        constraints = [models.UniqueConstraint(fields=["loan", "as_of"], name="uniq_snapshot_day")]
        indexes = [models.Index(fields=["as_of", "loan"])]

    def __str__(self):
        return f"{self.loan_id}@{self.as_of}"


class LoanEventQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Write the events, then refresh the stored derived rows of their loans (npl.core.derived: at the end
        of the enclosing service's deferred block, in its transaction)."""
        made = super().bulk_create(objs, *args, **kwargs)
        derived.refresh({e.loan_id for e in made})
        return made


class LoanEvent(models.Model):
    """Append-only history of a loan: every change, with who, when, why and the batch that brought it.

    Writing one refreshes the loan's stored derived rows (npl.core.derived): every change of a loan writes an
    event, so its memberships, clocks and suggestions follow it in the same transaction."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="events", verbose_name="贷款")
    kind = models.CharField("类型", max_length=30, choices=EventKind.choices)
    field = models.CharField("字段", max_length=50, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    occurred_on = models.DateField("业务日期", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="操作人")
    batch = models.ForeignKey("intake.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, verbose_name="导入批次")
    at = models.DateTimeField("记录时间", default=timezone.now, db_index=True)

    objects = LoanEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "贷款历史"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.loan_id} {self.get_kind_display()} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("历史记录不可修改")
        super().save(*args, **kwargs)
        derived.refresh([self.loan_id])

    def delete(self, *args, **kwargs):
        raise ValidationError("历史记录不可删除")
