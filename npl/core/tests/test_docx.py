"""Word text in Chinese faces: the east-Asian font is what Word uses for Chinese characters."""
from docx.oxml.ns import qn

from npl.core.docx import new_document, set_font


def test_a_run_and_the_normal_style_carry_their_chinese_face():
    doc = new_document(16)
    run = doc.add_paragraph().add_run("张三")
    set_font(run, "黑体", 9, bold=True)
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体" and run.font.bold
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
