"""Suggestion rules as data (edited by the district admin) and what collectors did with each suggestion."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from npl.advice import conditions
from npl.advice.choices import DATE, ActionCode, Status


def date_fact_errors(name: str, label: str) -> list[str]:
    """Blank, or the name of a date fact (due dates count from one)."""
    if not name:
        return []
    spec = conditions.fact_spec(name)
    if spec is None or spec[0] != DATE:
        return [f"{label}“{name}”不是日期类事实（如 limitation_deadline、promise_broken_on、since_lost_contact）"]
    return []


RULES = "rules"  # the suggestion rules' kind of per-district settings (npl.core.tenancy)


class SuggestionRule(models.Model):
    """A suggestion rule: when its condition holds for a loan, suggest its action by its due date, saying why."""

    # NULL: the province default (npl.core.tenancy); a district's own rules once it keeps its own.
    district = models.ForeignKey("org.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name="区县")
    code = models.SlugField("规则代码", max_length=50)  # unique per owner
    name = models.CharField("规则名称", max_length=100)
    enabled = models.BooleanField("启用", default=True)
    action = models.CharField("建议措施", max_length=40, choices=ActionCode.choices)
    condition = models.JSONField("触发条件", help_text="JSON：{\"all\":[{\"fact\":…,\"op\":…,\"value\":…}]}，见 docs/advice.md")
    text = models.CharField("建议内容", max_length=500, help_text="可用 {事实名} 占位，如 {limitation_deadline}")
    priority = models.PositiveSmallIntegerField("优先级（1–100）", default=50, validators=[MinValueValidator(1), MaxValueValidator(100)])
    due_from = models.CharField("期限起算事实", max_length=50, blank=True, help_text="日期类事实；空为统计日")
    due_in_days = models.IntegerField("期限天数", default=7, help_text="自起算日起的天数，可为负（如时效届满日前30天）")
    due_cap = models.CharField("期限不得晚于", max_length=50, blank=True, help_text="日期类事实，如 enforcement_deadline")
    cap_margin_days = models.PositiveSmallIntegerField("提前天数", default=0)
    legal_basis = models.CharField("法律依据", max_length=300, blank=True)
    script = models.TextField("沟通话术", blank=True, help_text="对借款人说什么（通俗中文）")
    evidence = models.CharField("需带回的证据", max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "清收建议规则"
        ordering = ["-priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="uniq_rule_code_per_district"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(district__isnull=True), name="uniq_rule_code_of_default"),
        ]

    @property
    def due_from_label(self) -> str:
        """The Chinese name of the date fact the due counts from (the rules list shows it, not the code)."""
        return conditions.fact_spec(self.due_from)[1] if conditions.fact_spec(self.due_from) else ""

    @property
    def due_cap_label(self) -> str:
        return conditions.fact_spec(self.due_cap)[1] if conditions.fact_spec(self.due_cap) else ""

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def clean(self):
        errors = {}
        problems = conditions.validate(self.condition)
        if problems:
            errors["condition"] = problems
        for field, label in (("due_from", "期限起算事实"), ("due_cap", "期限不得晚于")):
            if found := date_fact_errors(getattr(self, field), label):
                errors[field] = found
        if self.action and self.action not in ActionCode.values:
            errors["action"] = [f"未知措施代码“{self.action}”"]
        if errors:
            raise ValidationError(errors)

    @property
    def days_before(self) -> int:
        """For a due before its date fact (due_in_days < 0): how many days before."""
        return -self.due_in_days

    def spec(self):
        """The rule as the pure engine takes it."""
        from npl.advice.engine import Rule

        return Rule(
            code=self.code, name=self.name, action=self.action, condition=self.condition, text=self.text,
            priority=self.priority, due_in_days=self.due_in_days, due_from=self.due_from, due_cap=self.due_cap,
            cap_margin_days=self.cap_margin_days, legal_basis=self.legal_basis, script=self.script, evidence=self.evidence,
        )


class SuggestionStateQuerySet(models.QuerySet):
    def for_user(self, user):
        """States of the loans the person may reach."""
        from npl.loans.models import Loan

        return self.filter(loan__in=Loan.objects.for_user(user))


class SuggestionState(models.Model):
    """What became of one suggestion (loan + rule + due): done with the action that did it, or dismissed with why.

    Keyed by the due date: the same facts give the same due, so a dismissed suggestion stays away; when the
    facts change (a new deadline, a new broken promise) the due changes and the suggestion comes back.
    """

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="suggestion_states", verbose_name="贷款")
    rule = models.ForeignKey(SuggestionRule, on_delete=models.PROTECT, related_name="states", verbose_name="规则")
    due = models.DateField("期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    action = models.ForeignKey(
        "collection.CollectionAction", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="对应催收记录"
    )
    reason = models.CharField("不采纳原因", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="处理人")
    at = models.DateTimeField("处理时间", auto_now_add=True)

    objects = SuggestionStateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "建议处理记录"
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["loan", "rule", "due"], name="uniq_suggestion_state")]

    def __str__(self):
        return f"{self.loan_id} {self.rule_id} {self.due} {self.get_status_display()}"


class OpenSuggestion(models.Model):
    """A loan's open suggestion as stored derived rows (issue 16, `npl.advice.stored`): what the rules in force
    suggest for the loan on `day`, less what was done or dismissed, with what ranks it on a worklist.

    Never edited by hand: the `suggestions` deriver writes the difference whenever a loan, a rule, the
    likelihood model, a responsible person, the calendar or (through their derivers) the categories or clocks
    change, and the daily sweep rebuilds them for the new day; `npl derive --check` compares them with a
    fresh computation. The worklist orders them in SQL (services.Worklist): urgency of `due` (its day number
    `due_ordinal`), `expected` (balance × likelihood) against the collector's top, and `priority`.
    """

    loan = models.ForeignKey("loans.Loan", on_delete=models.CASCADE, related_name="open_suggestions", verbose_name="贷款")
    rule = models.ForeignKey(SuggestionRule, on_delete=models.CASCADE, related_name="open_rows", verbose_name="规则")
    day = models.DateField("计算日", help_text="这些取值算出的日期（重算结果不变时不改写）")
    loan_no = models.CharField("借据号", max_length=50)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="责任人"
    )
    township = models.ForeignKey("org.Township", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name="乡镇")
    action = models.CharField("建议措施", max_length=40, choices=ActionCode.choices)
    due = models.DateField("期限")
    due_ordinal = models.IntegerField("期限日序号", help_text="due.toordinal()：工作清单在 SQL 中按紧迫程度排序")
    priority = models.PositiveSmallIntegerField("优先级")
    balance = models.DecimalField("本金余额", max_digits=16, decimal_places=2)
    probability = models.FloatField("还款可能性", null=True, blank=True)
    likelihood_source = models.CharField("可能性来源", max_length=10, blank=True)
    expected = models.DecimalField("预期可收回", max_digits=16, decimal_places=2, help_text="余额 × 还款可能性（无评分时按1）")
    text = models.TextField("建议内容")
    why = models.TextField("原因")
    script = models.TextField("沟通话术", blank=True)
    facts = models.JSONField("触发事实", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "待办清收建议（派生）"
        constraints = [models.UniqueConstraint(fields=["loan", "rule"], name="uniq_open_suggestion")]
        indexes = [
            # A collector's worklist (advice.services.Worklist) counts, tops and orders its rows from this index
            # alone (index-only scans on PostgreSQL, where the columns after `include` ride along): at a million
            # loans the busiest collector's 37,020 rows lay on 21,656 table pages. SQLite indexes the key only.
            models.Index(fields=["collector", "due"], name="open_sugg_collector_cover",
                         include=["expected", "priority", "due_ordinal", "loan", "rule", "loan_no", "id"]),
            models.Index(fields=["township", "loan_no"], name="open_sugg_township_loan"),
            models.Index(fields=["loan_no"], name="open_sugg_loan_no"),
        ]

    def __str__(self):
        return f"{self.loan_no} {self.rule_id} {self.due}"
