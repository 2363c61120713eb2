"""Word documents offices edit and stamp: section 二 alone, and the township's whole report."""
import io

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from npl.core.docx import BODY_FONT, HEADING_FONT, TITLE_FONT, new_document, set_font, to_bytes
from npl.reports.wording import SECTION_TWO_INTRO, category_paragraphs, summary_sentence


def _new() -> Document:
    return new_document(16)


def _title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run(text), TITLE_FONT, 22, bold=True)


def _heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32)
    set_font(p.add_run(text), HEADING_FONT, 16)


def _para(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32)
    p.paragraph_format.line_spacing = Pt(28)
    set_font(p.add_run(text), BODY_FONT, 16)


def section_two_docx(report: dict, *, subject: str, threshold=None) -> bytes:
    """二、关于清收特殊不良贷款的意见建议: one paragraph per category, to paste into a report."""
    doc = _new()
    _heading(doc, "二、关于清收特殊不良贷款的意见建议")
    _para(doc, f"（统计口径：{report['scope']}，截至{report['as_of']}，本金余额）")
    for text in category_paragraphs(report, subject=subject, threshold=threshold):
        _para(doc, text)
    return to_bytes(doc)


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
    return to_bytes(doc)


BULLETIN_HEADS = ["排名", "单位", "任务（万元）", "本期清收（万元）", "累计清收（万元）", "清收率（%）", "名次变化", "催收次数",
                  "到期未履约承诺", "时效预警"]


def _change(value) -> str:
    """名次变化 as the bulletin prints it: ↑2, ↓1, 持平, or — when there is nothing to compare with."""
    if value is None:
        return "—"
    return f"↑{value}" if value > 0 else (f"↓{-value}" if value < 0 else "持平")


def bulletin_table_rows(content: dict) -> list[list[str]]:
    """The table of a bulletin as text cells (Word and the page share it); laggards marked ▲."""
    from npl.core.money import fmt_wan

    out = []
    for r in content["rows"]:
        out.append([
            str(r["rank"]), r["township"] + ("▲" if r["laggard"] else ""), fmt_wan(r["task_amount"]), fmt_wan(r["collected_period"]),
            fmt_wan(r["collected_amount"]), r["rate"], _change(r["rank_change"]), str(r["actions"]), str(r["promises_due"]),
            str(r["clocks_at_risk"]),
        ])
    t = content["total"]
    out.append(["", "合计", fmt_wan(t["task_amount"]), fmt_wan(t["collected_period"]), fmt_wan(t["collected_amount"]), t["rate"],
                "", str(t["actions"]), str(t["promises_due"]), str(t["clocks_at_risk"])])
    return out


def bulletin_parts(content: dict) -> dict:
    """What a bulletin document says, in order: Word and PDF are both drawn from this, so they cannot drift."""
    return {
        "title": f"{content['scope']}不良贷款清收{content['kind_label']}",
        "label": content["label"],
        "texts": list(content["texts"]),
        "table_heading": "附：各单位清收进度排名表",
        "heads": BULLETIN_HEADS,
        "rows": bulletin_table_rows(content),
        "note": f"说明：金额单位万元（按元合计后折算）；清收率=累计清收本金÷任务金额；名次与清收率变化对比{content['compared_with'] or '无'}；"
                f"▲为进度滞后单位（{content['rule']}）；利息另计，不计入清收率。",
    }


def _missing_charts_text() -> str:
    from npl.documents.fonts import MISSING_FONT_MESSAGE

    return f"（图表：{MISSING_FONT_MESSAGE}）"


def bulletin_docx(content: dict, charts: list[bytes] | None) -> bytes:
    """日调度/周通报 as Word: title, the paragraphs, the ranking table and the charts (PNG; None: no CJK font, said in words)."""
    from docx.shared import Cm

    parts = bulletin_parts(content)
    doc = _new()
    _title(doc, parts["title"])
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run(parts["label"]), BODY_FONT, 16)
    for text in parts["texts"]:
        _para(doc, text)
    _heading(doc, parts["table_heading"])
    rows = parts["rows"]
    table = doc.add_table(rows=1 + len(rows), cols=len(parts["heads"]))
    table.style = "Table Grid"
    for c, head in enumerate(parts["heads"]):
        set_font(table.cell(0, c).paragraphs[0].add_run(head), HEADING_FONT, 9)
    for i, cells in enumerate(rows, start=1):
        for c, text in enumerate(cells):
            set_font(table.cell(i, c).paragraphs[0].add_run(text), BODY_FONT, 9)
    _para(doc, parts["note"])
    if charts is None:
        _para(doc, _missing_charts_text())
    for png in charts or []:
        doc.add_picture(io.BytesIO(png), width=Cm(15))
    return to_bytes(doc)


def bulletin_pdf(content: dict, charts: list[bytes] | None) -> bytes:
    """日调度/周通报 as PDF (WeasyPrint): the Word file's parts in the same order; CjkFontMissing without a CJK font."""
    import base64

    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    from npl.documents.fonts import require_cjk_font

    require_cjk_font()
    images = [f"data:image/png;base64,{base64.b64encode(png).decode()}" for png in charts or []]
    html = render_to_string("reports/pdf/bulletin.html", {
        **bulletin_parts(content), "images": images, "missing_charts": _missing_charts_text() if charts is None else "",
    })
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[CSS(filename=finders.find("reports/bulletin-print.css"))])
