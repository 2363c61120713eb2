"""PDFs render Chinese glyphs, and a machine without a Chinese font gets a clear refusal instead of boxes."""
import datetime as dt

import pytest
from PIL import ImageChops

from npl.documents import checks, fonts, render, services
from npl.documents.tests.conftest import pdf_page_image

DAY = dt.date(2026, 4, 30)
DEJAVU = "/usr/share/fonts/truetype/dejavu"


@pytest.fixture
def no_cjk_fontconfig(tmp_path, monkeypatch):
    """This process's fc-list sees only the DejaVu fonts (Latin, no Chinese), as on a fresh machine."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    fonts._installed.cache_clear()
    yield
    monkeypatch.delenv("FONTCONFIG_FILE")
    fonts._installed.cache_clear()


def _ink(image, box) -> int:
    """Dark pixels in a region of a greyscale page."""
    return sum(image.crop(box).histogram()[:128])


def test_this_machine_has_a_chinese_font_for_pdfs():
    families = fonts.require_cjk_font()
    assert any("CJK" in f or "WenQuanYi" in f for f in families)
    assert checks.cjk_font_installed(None) == []


def test_the_notice_title_is_drawn_in_ink_on_the_rendered_page(loans, cast):
    made = services.generate("notice", [loans["LA001"]], "pdf", cast["collector"], as_of=DAY)
    page = pdf_page_image(made.content, scale=1.0)  # A4 at 72 dpi: 595 x 842
    width = page.size[0]
    title_band = (width // 4, 40, 3 * width // 4, 140)
    assert _ink(page, title_band) > 300
    assert _ink(page, (0, 0, width, 30)) == 0  # the margin is blank: ink is the glyphs, not noise


def test_different_chinese_characters_render_as_different_glyphs_not_the_same_box():
    # With no CJK font every character becomes the same .notdef box; real glyphs differ.
    def glyph(char: str):
        ctx = {"bank": char * 3, "title": char}
        data = render.pdf("public_notice", [{**ctx, "rows": [], "count": 0}], title=char)
        return pdf_page_image(data, scale=1.0).crop((150, 20, 450, 80))

    first, second = glyph("中"), glyph("贷")
    assert _ink(first, (0, 0, 300, 60)) > 50 and _ink(second, (0, 0, 300, 60)) > 50
    assert ImageChops.difference(first, second).getbbox() is not None


def test_without_a_chinese_font_a_pdf_is_refused_with_the_package_to_install(loans, cast, no_cjk_fontconfig):
    with pytest.raises(fonts.CjkFontMissing) as refused:
        services.generate("notice", [loans["LA001"]], "pdf", cast["collector"], as_of=DAY)
    assert "fonts-noto-cjk" in str(refused.value) and "中文字体" in str(refused.value)
    assert not services.GeneratedDocument.objects.exists()


def test_without_a_chinese_font_the_system_check_warns(no_cjk_fontconfig):
    warnings = checks.cjk_font_installed(None)
    assert [w.id for w in warnings] == ["documents.W001"]
    assert "fonts-noto-cjk" in warnings[0].hint


def test_word_files_need_no_font_on_the_server(loans, cast, no_cjk_fontconfig, read_docx):
    made = services.generate("notice", [loans["LA001"]], "docx", cast["collector"], as_of=DAY)
    assert "张三" in read_docx(made.content)
