"""Turning contexts into files: Word through docxtpl (the active template), PDF through WeasyPrint (our HTML).

A batch is one file: each loan's document on its own page (a page break between Word bodies, a CSS page
break between PDF sections). Cost stays linear: one template render per loan, one PDF layout for the lot.
"""
import copy
import io
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_BREAK
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError

from npl.documents.fonts import require_cjk_font

PDF_CSS = "documents/print.css"


def docx_one(template: bytes, context: dict, *, strict: bool = False) -> bytes:
    """One document from a Word template; strict=True makes an unknown {{ name }} an error (upload checks)."""
    tpl = DocxTemplate(io.BytesIO(template))
    env = Environment(undefined=StrictUndefined, autoescape=True) if strict else None
    tpl.render(context, jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def docx_many(template: bytes, contexts: list[dict]) -> bytes:
    """One Word file with each context rendered on its own page(s), in order."""
    if not contexts:
        raise ValueError("没有可生成的文书")
    first = docx_one(template, contexts[0])
    if len(contexts) == 1:
        return first
    master = Document(io.BytesIO(first))
    body = master.element.body
    end = body.sectPr  # page settings stay last in the body
    for context in contexts[1:]:
        brk = master.add_paragraph()
        brk.add_run().add_break(WD_BREAK.PAGE)
        part = Document(io.BytesIO(docx_one(template, context)))
        for element in part.element.body.iterchildren():
            if element.tag.endswith("}sectPr"):
                continue
            if end is not None:
                end.addprevious(copy.deepcopy(element))
            else:
                body.append(copy.deepcopy(element))
    out = io.BytesIO()
    master.save(out)
    return out.getvalue()


def check_template(template: bytes, context: dict, must_show: str) -> None:
    """Refuse a Word template that does not open, has a broken tag or an unknown name, or omits `must_show`."""
    try:
        rendered = docx_one(template, context, strict=True)
    except TemplateError as exc:
        # jinja names the unknown variable or the broken tag; keep its words after ours.
        raise ValidationError(f"模板中的标签有误：{exc}（请检查 {{{{ }}}} 和 {{% %}} 标签的拼写）") from exc
    except Exception as exc:  # a zip or XML error: the file is not a Word document
        raise ValidationError("无法作为 Word（.docx）文件打开，请上传用 Word 或 WPS 另存为 .docx 的文件") from exc
    if must_show not in docx_text(rendered):
        raise ValidationError(f"模板没有使用借款人或名单字段（例如 {{{{ borrower_name }}}}），生成的文书将缺少“{must_show}”")


def docx_text(data: bytes) -> str:
    """All text of a Word file, paragraphs and table cells, one per line (for checks and tests)."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _css():
    from weasyprint import CSS

    path = finders.find(PDF_CSS)
    return CSS(filename=path)


def pdf(kind: str, contexts: list[dict], *, title: str) -> bytes:
    """One PDF with each context on its own page(s); refuses (CjkFontMissing) on a machine without Chinese fonts."""
    from weasyprint import HTML

    require_cjk_font()
    html = render_to_string("documents/pdf/page.html", {"kind": kind, "docs": contexts, "title": title})
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[_css()])
