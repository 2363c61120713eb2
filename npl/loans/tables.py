"""The loan ledger table: masked names and ID numbers, money in 元 with two places."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
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
        template_name = "loans/_ledger_table.html"
        attrs = {"class": "table cards"}
        empty_text = "没有符合条件的贷款"
        order_by = ("loan_no",)

    def render_borrower(self, value):
        return mask_name(value)

    def render_next_step(self, record):
        return NEXT_STEP.get(record.status, "查看")  # `value` is the state's label: django-tables2 shows choices so

    def body(self) -> SafeString:
        """The page's rows as HTML, written here instead of cell by cell through django-tables2: its generic path (a
        render method's signature inspected per cell, a link's attributes built per cell) was two thirds of the
        ledger's time for 50 rows. `test_ledger_rows.py` holds it to what django-tables2 renders for the same rows."""
        columns = [(CELLS[c.name], c.attrs["td"].as_html(), conditional_escape(c.header)) for c in self.columns]
        rows = []
        for i, row in enumerate(self.paginated_rows):
            record = row.record
            cells = "".join(f'<td {attrs} data-label="{header}">{cell(record)}</td>' for cell, attrs, header in columns)
            rows.append(f'<tr class="{"odd" if i % 2 else "even"}">{cells}</tr>')
        if not rows and self.empty_text:
            rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))
        return mark_safe("\n".join(rows))  # every value above went through format_html or conditional_escape


def _link(url: str, text) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text)


def _or_dash(value) -> str:
    return conditional_escape(value) if value not in (None, "") else "—"


# Each column's cell for a loan, as LoanTable's columns render it (their accessors, defaults and links).
CELLS = {
    "loan_no": lambda r: _link(reverse("loans:detail", kwargs={"loan_no": r.loan_no}), r.loan_no),
    "borrower": lambda r: _link(reverse("loans:borrower", kwargs={"pk": r.borrower_id}), mask_name(r.borrower.name)),
    "id_masked": lambda r: _or_dash(r.borrower.id_masked),
    "township": lambda r: _or_dash(r.township.name),
    "community": lambda r: _or_dash(r.community.name if r.community_id else None),
    "branch": lambda r: _or_dash(r.branch.name),
    "principal_balance": lambda r: _or_dash(None if r.principal_balance is None else f"{r.principal_balance:,.2f}"),
    "classification": lambda r: _or_dash(r.get_classification_display() if r.classification else None),
    "status": lambda r: _or_dash(r.get_status_display()),
    "responsible_person": lambda r: _or_dash(str(r.responsible_person) if r.responsible_person_id else None),
    "next_step": lambda r: _link(reverse("collection:flow", kwargs={"loan_no": r.loan_no}), NEXT_STEP.get(r.status, "查看")),
}
