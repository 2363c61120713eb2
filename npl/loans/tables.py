"""The loan ledger table: masked names and ID numbers, money in 元 with two places."""
import django_tables2 as tables
from django_tables2.utils import A

from npl.core.masking import mask_name
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan

# On a phone the table becomes cards (site.css, `table.cards`): these cells stay on the desk only.
DESK_ONLY = {"td": {"class": "card-hide"}}
# What usually comes next for a loan in each state (the 处置 page lists the moves this person may make).
NEXT_STEP = {
    LoanStatus.REGISTERED: "开始清收",
    LoanStatus.IN_COLLECTION: "催收、商定还款计划",
    LoanStatus.PLAN_AGREED: "按计划收款",
    LoanStatus.PARTLY_REPAID: "催收剩余欠款",
    LoanStatus.SETTLED: "已结清，无需处置",
    LoanStatus.WRITTEN_OFF: "账销案存，继续追索",
}


class YuanColumn(tables.Column):
    """An amount in 元, right-aligned, with thousands separators."""

    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return f"{value:,.2f}"


class LoanTable(tables.Table):
    """贷款台账."""

    loan_no = tables.Column("借据号", linkify=("loans:detail", {"loan_no": A("loan_no")}))
    borrower = tables.Column(
        "借款人", accessor="borrower__name", linkify=("loans:borrower", {"pk": A("borrower_id")}), order_by=("borrower__name",)
    )
    id_masked = tables.Column("身份证号", accessor="borrower__id_masked", orderable=False, attrs={"td": {"class": "mono card-hide"}})
    township = tables.Column("乡镇", accessor="township__name", attrs=DESK_ONLY)
    community = tables.Column("社区/村", accessor="community__name", default="—", attrs=DESK_ONLY)
    branch = tables.Column("网点", accessor="branch__name", attrs=DESK_ONLY)
    principal_balance = YuanColumn("本金余额（元）")
    classification = tables.Column("五级分类", default="—", attrs=DESK_ONLY)
    status = tables.Column("状态")
    responsible_person = tables.Column("责任人", default="—", order_by=("responsible_person__display_name",), attrs=DESK_ONLY)
    next_step = tables.Column("下一步", accessor="status", orderable=False,
                              linkify=("collection:flow", {"loan_no": A("loan_no")}))

    class Meta:
        model = Loan
        fields = ()
        sequence = (
            "loan_no", "borrower", "id_masked", "township", "community", "branch",
            "principal_balance", "classification", "status", "responsible_person", "next_step",
        )  # fmt: skip
        template_name = "loans/_table.html"
        attrs = {"class": "table cards"}
        empty_text = "没有符合条件的贷款"
        order_by = ("loan_no",)

    def render_borrower(self, value):
        return mask_name(value)

    def render_next_step(self, record):
        return NEXT_STEP.get(record.status, "查看")  # `value` is the state's label: django-tables2 shows choices so
