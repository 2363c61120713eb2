"""The shipped Word templates (docxtpl: Jinja tags inside a .docx), written with python-docx.

`python -m npl.documents.default_templates` rewrites npl/documents/templates_docx/<kind>.docx; the files are
committed, so a district admin can download one, edit it in Word/WPS (keeping the {{ }} tags) and upload it.
"""
import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from npl.core.docx import BODY_FONT, TITLE_FONT, new_document, set_font
from npl.documents.choices import Kind

DIR = Path(__file__).resolve().parent / "templates_docx"


def _new() -> Document:
    doc = new_document(14)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, what township printers hold
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin = section.bottom_margin = Cm(2.5)
    return doc


def _title(doc, text: str, size: float = 20) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run(text), TITLE_FONT, size, bold=True)


def _para(doc, text: str, *, indent: bool = True, align=None, bold: bool = False, size: float = 14) -> None:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    set_font(p.add_run(text), BODY_FONT, size, bold=bold)


def _tag(doc, text: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p ... %}): it disappears when rendered."""
    doc.add_paragraph(text)


def _table(doc, header: list[str], loop: str, cells: list[str], end: str = "{%tr endfor %}", footer: list[str] | None = None):
    """A table whose body row repeats (docxtpl {%tr for %} rows around it)."""
    table = doc.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    row = table.add_row().cells
    for cell, text in zip(row, header):
        set_font(cell.paragraphs[0].add_run(text), BODY_FONT, 11, bold=True)
    table.add_row().cells[0].text = loop
    row = table.add_row().cells
    for cell, text in zip(row, cells):
        set_font(cell.paragraphs[0].add_run(text), BODY_FONT, 11)
    table.add_row().cells[0].text = end
    if footer:
        row = table.add_row().cells
        for cell, text in zip(row, footer):
            set_font(cell.paragraphs[0].add_run(text), BODY_FONT, 11, bold=True)
    return table


def notice() -> Document:
    """催收通知书 and the tear-off 回执: the signed 回执 is what interrupts the limitation period."""
    doc = _new()
    _title(doc, "{{ bank }}")
    _title(doc, "催收通知书")
    _para(doc, "编号：{{ notice_no }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    _para(doc, "{{ borrower_name }}（身份证号 {{ id_masked }}）：", indent=False)
    _para(
        doc,
        "您于{{ issue_date }}在我行{{ branch }}借款人民币{{ amount }}元（大写：{{ amount_capital }}），"
        "借据号{{ loan_no }}，合同号{{ contract_no }}，到期日{{ maturity_date }}。该笔借款已逾期。"
        "截至{{ as_of }}，您尚欠借款本金人民币{{ principal }}元（大写：{{ principal_capital }}），"
        "利息（含表内外欠息、罚息、复利）人民币{{ interest }}元（大写：{{ interest_capital }}），"
        "费用人民币{{ costs }}元，合计人民币{{ total_owed }}元（大写：{{ total_owed_capital }}），利息计至实际还清之日。",
    )
    _para(doc, "{{ legal_basis }}")
    _para(doc, "请您于{{ pay_by }}前到{{ branch }}归还上述欠款。逾期不还的，我行将依法提起诉讼，由此产生的诉讼费、律师费等由您承担。")
    _para(doc, "{{ limitation_text }}")
    _para(doc, "联系人：{{ responsible_person }}　联系电话：{{ responsible_phone }}", indent=False)
    _para(doc, "{{ bank }}{{ branch }}（盖章）", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ as_of }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "- - - - - - - - - - - - - - - 沿此线剪下 - - - - - - - - - - - - - - -", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    _title(doc, "回执", size=16)
    _para(
        doc,
        "本人已收到{{ bank }}{{ branch }}编号为{{ notice_no }}的《催收通知书》，知悉截至{{ as_of }}"
        "尚欠借款本金{{ principal }}元、利息{{ interest }}元，合计{{ total_owed }}元（大写：{{ total_owed_capital }}）。",
    )
    _para(doc, "借款人签收：＿＿＿＿＿＿＿＿", indent=False)
    _para(doc, "家属签收：＿＿＿＿＿＿＿＿　与借款人关系：＿＿＿＿＿＿", indent=False)
    _para(doc, "签收日期：＿＿＿＿年＿＿月＿＿日", indent=False)
    _para(doc, "送达人：＿＿＿＿＿＿＿＿　（借据号 {{ loan_no }}）", indent=False, size=12)
    return doc


def agreement() -> Document:
    """还款协议书 for a plan: parties, the instalments, the total in capitals, signatures."""
    doc = _new()
    _title(doc, "还款协议书")
    _para(doc, "甲方（贷款人）：{{ bank }}{{ branch }}", indent=False)
    _para(doc, "乙方（借款人）：{{ borrower_name }}　身份证号：{{ id_masked }}", indent=False)
    _para(doc, "见证方：{{ township }}人民政府", indent=False)
    _para(
        doc,
        "乙方于{{ issue_date }}向甲方借款人民币{{ amount }}元（借据号{{ loan_no }}，合同号{{ contract_no }}），"
        "到期日{{ maturity_date }}。截至{{ as_of }}，乙方尚欠本金人民币{{ principal }}元（大写：{{ principal_capital }}），"
        "利息人民币{{ interest }}元（大写：{{ interest_capital }}）。经协商，双方就还款事宜达成如下协议：",
    )
    _para(doc, "一、乙方确认上述欠款真实无误，并按下表分{{ instalment_count }}期归还，合计人民币{{ plan_total }}元（大写：{{ plan_total_capital }}）：")
    _table(
        doc,
        ["期次", "应还日期", "应还金额（元）", "大写"],
        "{%tr for i in instalments %}",
        ["第{{ i.seq }}期", "{{ i.due_on }}", "{{ i.amount }}", "{{ i.amount_capital }}"],
        footer=["合计", "", "{{ plan_total }}", "{{ plan_total_capital }}"],
    )
    _para(doc, "二、还款措施：{{ measures }}")
    _para(doc, "三、乙方任何一期未按时足额还款的，甲方有权要求乙方立即归还全部剩余欠款，并依法提起诉讼。")
    _para(doc, "四、本协议不改变原借款合同及担保合同的效力；乙方签署本协议即为对上述债务的确认。")
    _para(doc, "五、本协议一式三份，甲方、乙方、见证方各执一份，自各方签字（盖章）之日起生效。")
    _para(doc, "甲方（盖章）：＿＿＿＿＿＿＿＿", indent=False)
    _para(doc, "乙方（签字、捺印）：＿＿＿＿＿＿＿＿", indent=False)
    _para(doc, "见证方（盖章）：＿＿＿＿＿＿＿＿　经办人：{{ responsible_person }}", indent=False)
    _para(doc, "签订日期：＿＿＿＿年＿＿月＿＿日", indent=False)
    return doc


def plain_sheet() -> Document:
    """明白纸: the borrower's own figures and the rule applied, in plain words."""
    doc = _new()
    _title(doc, "不良贷款清收明白纸")
    _para(doc, "{{ borrower_name }}：", indent=False)
    _para(doc, "您在{{ bank }}{{ branch }}的借款（借据号{{ loan_no }}，到期日{{ maturity_date }}）截至{{ as_of }}的情况如下：")
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for label, key in (
        ("项目", None), ("借款本金", "principal"), ("表内欠息", "interest_on"), ("表外欠息", "interest_off"),
        ("罚息", "penalty"), ("复利", "compound"), ("费用", "costs"), ("合计欠款", "total_owed"),
        ("可减免", "waivable"), ("您需归还", "to_pay"),
    ):
        cells = table.add_row().cells
        if key is None:
            texts = ["项目", "金额（元）", "大写"]
        else:
            texts = [label, "{{ " + key + " }}", "{{ " + key + "_capital }}"]
        for cell, text in zip(cells, texts):
            set_font(cell.paragraphs[0].add_run(text), BODY_FONT, 12, bold=key in (None, "to_pay"))
    _para(doc, "适用政策：{{ policy }}", indent=False, bold=True)
    _para(doc, "减免规则：{{ rule }}", indent=False)
    _para(doc, "减免条件：{{ condition }}", indent=False)
    _para(doc, "计算说明：", indent=False)
    _tag(doc, "{%p for line in lines %}")
    _para(doc, "{{ line }}")
    _tag(doc, "{%p endfor %}")
    _para(doc, "{{ explanation }}")
    _para(doc, "如有疑问，请联系：{{ responsible_person }}　{{ responsible_phone }}（{{ township }}）", indent=False)
    _para(doc, "{{ bank }}{{ branch }}　{{ as_of }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return doc


def public_notice() -> Document:
    """公告催收 list for a newspaper: lost-contact borrowers, masked ID numbers, what they owe."""
    doc = _new()
    _title(doc, "{{ bank }}")
    _title(doc, "公　告")
    _para(doc, "{{ notice_text }}")
    _para(doc, "公告范围：{{ scope }}；欠款金额截至{{ as_of }}，共{{ count }}笔。", indent=False, size=12)
    _table(
        doc,
        ["借款人", "身份证号", "借据号", "经办网点", "欠本金（元）", "欠利息（元）"],
        "{%tr for r in rows %}",
        ["{{ r.borrower_name }}", "{{ r.id_masked }}", "{{ r.loan_no }}", "{{ r.branch }}", "{{ r.principal }}", "{{ r.interest }}"],
        footer=["合计", "", "{{ count }}笔", "", "{{ total_principal }}", "{{ total_interest }}"],
    )
    _para(doc, "特此公告。")
    _para(doc, "{{ bank }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ as_of }}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return doc


BUILDERS = {Kind.NOTICE: notice, Kind.AGREEMENT: agreement, Kind.PLAIN_SHEET: plain_sheet, Kind.PUBLIC_NOTICE: public_notice}


def default_path(kind: str) -> Path:
    return DIR / f"{kind}.docx"


def main(argv=None) -> int:
    DIR.mkdir(exist_ok=True)
    for kind, build in BUILDERS.items():
        doc = build()
        doc.core_properties.title = Kind(kind).label
        doc.save(default_path(kind))
        sys.stdout.write(f"{default_path(kind)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
