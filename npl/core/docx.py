"""Word (python-docx) text in Chinese faces: the shared font setting for the documents and reports apps.

python-docx's `font.name` sets only the Latin face; Word and WPS take CJK characters from the separate
`w:eastAsia` attribute, so without it Chinese text falls back to the reader's default face.
"""
import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

BODY_FONT = "仿宋"  # the usual body face of government documents
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asia(element, name: str) -> None:
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def set_font(run, name: str, size: float, bold: bool = False) -> None:
    """Face (Latin and East Asian), size in points and weight of one run."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    _east_asia(run._element, name)


def new_document(size: float, name: str = BODY_FONT) -> Document:
    """A blank document whose Normal style is `name` at `size` points, for Latin and Chinese text alike."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = name
    style.font.size = Pt(size)
    _east_asia(style.element, name)
    return doc


def to_bytes(doc) -> bytes:
    """The document as .docx bytes."""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
