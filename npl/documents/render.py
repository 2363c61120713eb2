"""Turning contexts into files: Word through docxtpl (the active template), PDF through WeasyPrint (our HTML).

A batch is one file: each loan's document on its own page (a page break between Word bodies, a CSS page
break between PDF sections). Cost stays linear: the Word template is opened and compiled once and rendered
once per loan into one body; one HTML and one PDF layout for the lot.
"""
import io
import re
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from docx import Document
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError, Undefined

from npl.documents.fonts import require_cjk_font

PDF_CSS = "documents/print.css"


MANY = "_npl_documents"  # the context key carrying every document's context through docxtpl's render
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


class _ManyTemplate(DocxTemplate):
    """docxtpl rendering the body once per context into one body, pages separated by a page break.

    The template is opened and its Jinja source compiled once; each document is one render of that source.
    Headers, footers and properties take the first context.
    """

    def build_xml(self, context, jinja_env=None):
        src = self.patch_xml(self.get_xml())
        src = re.sub(r"<w:p([ >])", r"\n<w:p\1", src)  # as docxtpl's render_xml_part does
        self.current_rendering_part = self.docx._part
        template = (jinja_env or Environment()).from_string(src)
        head = tail = None
        inner = []
        for ctx in context[MANY]:
            dst = re.sub(r"\n<w:p([ >])", r"<w:p\1", template.render(ctx))
            dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            dst = self.resolve_listing(dst)
            opened = dst.index(">", dst.index("<w:body")) + 1
            closing = dst.rindex("<w:sectPr")  # the body's own page settings come last
            if head is None:
                head, tail = dst[:opened], dst[closing:]
            inner.append(dst[opened:closing])
        return head + PAGE_BREAK.join(inner) + tail


def docx_many(template: bytes, contexts: list[dict], *, strict: bool = False) -> bytes:
    """One Word file with each context rendered on its own page(s), in order.

    strict=True makes an unknown {{ name }} an error (the upload check); otherwise it prints as nothing.
    """
    if not contexts:
        raise ValueError("没有可生成的文书")
    tpl = _ManyTemplate(io.BytesIO(template))
    env = Environment(undefined=StrictUndefined if strict else Undefined, autoescape=True)
    tpl.render({**contexts[0], MANY: contexts}, jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def docx_one(template: bytes, context: dict, *, strict: bool = False) -> bytes:
    """One document from a Word template."""
    return docx_many(template, [context], strict=strict)


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
