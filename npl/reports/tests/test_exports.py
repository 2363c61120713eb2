"""Word and Excel read back: Chinese text and charts; the CJK font resolves; SVG for pages from the same code."""
import datetime as dt
import io
import zipfile

import docx
import pytest
from matplotlib.ft2font import FT2Font
from python_calamine import CalamineWorkbook

from npl.reports.bulletins import build, render_files
from npl.reports.charts import cjk_font, ranking_chart, trend_chart
from npl.reports.services import backfill
from npl.reports.tests.conftest import repay


@pytest.fixture
def content(campaign, loans):
    repay(loans["LB001"], dt.date(2026, 4, 2), "200000.00")
    backfill(dt.date(2026, 3, 31), dt.date(2026, 4, 5))
    return build("weekly", campaign, dt.date(2026, 4, 1))


def test_the_cjk_font_resolves_to_a_face_that_has_the_chinese_glyphs():
    family, path = cjk_font()
    face = FT2Font(path)
    assert "CJK" in family or "WenQuanYi" in family
    assert all(face.get_char_index(ord(ch)) for ch in "清收率柳溪镇全区平均")


def test_the_word_bulletin_carries_the_chinese_text_the_table_and_two_charts(content):
    d = docx.Document(io.BytesIO(render_files(content)[0]))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "西岭区不良贷款清收周通报" in text and "2026年第14周（3月30日—4月5日）" in text
    assert "清收率11.90%" in text and "桃源乡（16.00%）" in text  # 200,000 / 1,680,000
    assert "以下单位清收进度滞后，予以通报：柳溪镇" in text
    table = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert table[1][:2] == ["1", "桃源乡"] and table[2][:2] == ["2", "柳溪镇▲"] and table[3][1] == "合计"
    assert len(d.inline_shapes) == 2


def test_the_excel_bulletin_has_the_ranking_in_wan_and_native_charts(content):
    data = render_files(content)[1]
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert wb.sheet_names == ["周通报", "清收率走势"]
    rows = wb.get_sheet_by_name("周通报").to_python()
    assert rows[2][:5] == ["排名", "单位", "任务笔数", "任务金额（万元）", "本期清收（万元）"]
    assert rows[3][1] == "桃源乡" and rows[3][8] == 16.0 and rows[3][4] == 20.0
    assert rows[4][1] == "柳溪镇" and rows[4][15] == "是"
    assert rows[5][1] == "合计" and rows[5][3] == 168.0
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names


def test_pages_get_the_same_charts_as_svg_with_chinese_text(content):
    svg = ranking_chart(content["rows"], content["total"]["rate"], fmt="svg").decode()
    assert svg.startswith("<?xml") and "柳溪镇" in svg and "全区平均 11.90%" in svg
    assert trend_chart(content["trend"], fmt="png").startswith(b"\x89PNG")
    assert "暂无快照数据" in trend_chart([], fmt="svg").decode()
