"""Word documents offices edit and stamp: section 二 alone, and the township's whole report."""
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from npl.reports.wording import SECTION_TWO_INTRO, category_paragraphs, summary_sentence

BODY_FONT = "仿宋"  # the usual body face of government documents
TITLE_FONT = "宋体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _new() -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(16)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def _title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), TITLE_FONT, 22, bold=True)


def _heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32)
    _font(p.add_run(text), "黑体", 16)


def _para(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32)
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), BODY_FONT, 16)


def _bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def section_two_docx(report: dict, *, subject: str, threshold=None) -> bytes:
    """二、关于清收特殊不良贷款的意见建议: one paragraph per category, to paste into a report."""
    doc = _new()
    _heading(doc, "二、关于清收特殊不良贷款的意见建议")
    _para(doc, f"（统计口径：{report['scope']}，截至{report['as_of']}，本金余额）")
    for text in category_paragraphs(report, subject=subject, threshold=threshold):
        _para(doc, text)
    return _bytes(doc)


def township_report_docx(*, scope: str, subject: str, as_of: str, summary: dict | None, report: dict, threshold=None) -> bytes:
    """The township's report in the seed's structure, figures filled in, ready to edit."""
    doc = _new()
    _title(doc, f"{scope}不良贷款清收工作情况汇报")
    _para(doc, f"按照会议安排，现将{scope}不良贷款清收工作情况作以简要汇报，不妥之处敬请批评指正。")
    _heading(doc, "一、完成情况")
    if summary is not None:
        _para(doc, summary_sentence(summary, subject))
        _para(doc, f"（数据截至{as_of}；清收行动“{summary['campaign']}”）")
    else:
        _para(doc, "（尚未设立清收行动，完成情况待补充。）")
    _heading(doc, "二、关于清收特殊不良贷款的意见建议")
    _para(doc, SECTION_TWO_INTRO.format(subject=subject))
    for text in category_paragraphs(report, subject=subject, threshold=threshold):
        _para(doc, text)
    _heading(doc, "三、工作中存在的困难问题及意见建议")
    _para(doc, "（请填写）")
    _heading(doc, "四、下一步工作打算")
    _para(doc, "（请填写）")
    return _bytes(doc)
