"""Readers for generated files: the text of a Word file, the text and a rendered page of a PDF."""
import io

import pytest

from npl.documents.render import docx_text


def pdf_text(data: bytes) -> str:
    """All text of a PDF, page by page (pypdfium2 reads what a person could copy out of it)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def pdf_pages(data: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_page_image(data: bytes, page: int = 0, scale: float = 2.0):
    """A PIL image (greyscale) of one PDF page, as a printer would put it on paper."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return doc[page].render(scale=scale).to_pil().convert("L")
    finally:
        doc.close()


@pytest.fixture
def read_docx():
    return docx_text


@pytest.fixture
def read_pdf():
    return pdf_text


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
