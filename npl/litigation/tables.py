"""The case list table: masked borrower names, money in 元."""
import django_tables2 as tables
from django_tables2.utils import A

from npl.core.masking import mask_name
from npl.litigation.models import LitigationCase
from npl.loans.tables import DESK_ONLY


class YuanColumn(tables.Column):
    """An amount in 元, right-aligned, with thousands separators."""

    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return f"{value:,.2f}"


class CaseTable(tables.Table):
    """涉诉案件."""

    case_no = tables.Column("案号", linkify=("litigation:detail", {"pk": A("pk")}))
    loan = tables.Column("借据号", accessor="loan__loan_no", linkify=("loans:detail", {"loan_no": A("loan__loan_no")}))
    borrower = tables.Column("借款人", accessor="loan__borrower__name", order_by=("loan__borrower__name",))
    # On a phone each case is a card (loans/_table.html): the court's own details stay on the desk.
    township = tables.Column("乡镇", accessor="loan__township__name", attrs=DESK_ONLY)
    direction = tables.Column("诉讼类型")
    court = tables.Column("受理法院", default="—", attrs=DESK_ONLY)
    stage = tables.Column("当前阶段")
    filed_on = tables.DateColumn("Y-m-d", verbose_name="起诉日期", default="—", attrs=DESK_ONLY)
    judgment_amount = YuanColumn("判决金额（元）", default="—", attrs={"td": {"class": "num card-hide"}, "th": {"class": "num"}})
    enforcement_recovered = YuanColumn("执行到位（元）")
    dishonest_listing = tables.Column("失信名单", default="—", attrs=DESK_ONLY)

    class Meta:
        model = LitigationCase
        fields = ()
        sequence = (
            "case_no", "loan", "borrower", "township", "direction", "court", "stage", "filed_on",
            "judgment_amount", "enforcement_recovered", "dishonest_listing",
        )  # fmt: skip
        template_name = "loans/_table.html"
        attrs = {"class": "table cards"}
        empty_text = "没有符合条件的案件"
        order_by = ("-filed_on",)

    def render_borrower(self, value):
        return mask_name(value)
