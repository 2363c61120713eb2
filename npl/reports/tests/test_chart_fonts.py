"""Charts find the Chinese font by file whatever matplotlib's cache holds; without any, every chart says so and
every bulletin download still works (never an error page)."""
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from python_calamine import CalamineWorkbook

from npl.documents import fonts
from npl.reports import charts
from npl.reports.services import backfill
from npl.reports.tests.conftest import repay

DEJAVU = "/usr/share/fonts/truetype/dejavu"
WEEK = {"week": "2026-W15"}
DAY = {"date": "2026-04-08"}
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def snapshots(campaign, loans):
    repay(loans["LA001"], dt.date(2026, 4, 7), "43000.00")
    backfill(dt.date(2026, 3, 31), dt.date(2026, 4, 12))
    return campaign


def _fontconfig_without_chinese(tmp_path) -> Path:
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def no_cjk_font(tmp_path, monkeypatch, settings):
    """A server with no font covering Chinese: fontconfig offers only DejaVu and no known path holds one."""
    monkeypatch.setenv("FONTCONFIG_FILE", str(_fontconfig_without_chinese(tmp_path)))
    settings.NPL_CJK_FONT_FILES = [str(tmp_path / "nowhere" / "NotoSansCJK-Regular.ttc")]
    charts.forget_font()
    fonts._installed.cache_clear()
    yield
    monkeypatch.delenv("FONTCONFIG_FILE")
    charts.forget_font()
    fonts._installed.cache_clear()


def test_the_font_is_found_by_file_and_named_after_its_face():
    family, path = charts.cjk_font()
    assert Path(path).name in {"NotoSansCJK-Regular.ttc", "wqy-microhei.ttc", "wqy-zenhei.ttc"}
    assert family.startswith("Noto Sans CJK") or family.startswith("WenQuanYi")


def test_without_fontconfig_the_known_paths_are_tried(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("FONTCONFIG_FILE", str(_fontconfig_without_chinese(tmp_path)))
    settings.NPL_CJK_FONT_FILES = [str(tmp_path / "missing.ttc"), "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
    assert fonts.cjk_font_file() == "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_a_font_installed_after_matplotlib_built_its_cache_is_still_used(tmp_path):
    # Given a matplotlib cache built while no Chinese face was installed (its entries stripped, as on a machine
    # where fonts-noto-cjk came later) …
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "NPL_DATA_DIR": str(tmp_path / "var"),
           "DJANGO_SETTINGS_MODULE": "npl.settings"}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True, cwd=ROOT)
    [cache] = (tmp_path / "mpl").glob("fontlist-*.json")
    data = json.loads(cache.read_text())
    data["ttflist"] = [f for f in data["ttflist"] if "CJK" not in f["name"] and "WenQuanYi" not in f["name"]]
    cache.write_text(json.dumps(data))
    # … a chart drawn by a new server process still writes its Chinese in the CJK face, not in boxes.
    script = (
        "import django; django.setup(); from npl.reports import charts; "
        "import sys; sys.stdout.write(charts.count_bars([('低保户', 3)], title='九类', fmt='svg').decode())"
    )
    svg = subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout
    assert "低保户" in svg and ("Noto Sans CJK" in svg or "WenQuanYi" in svg)
    assert fonts.MISSING_FONT_MESSAGE not in svg


def test_without_a_chinese_font_a_chart_is_an_image_saying_so(no_cjk_font):
    svg = charts.ranking_chart([], "0.00", fmt="svg").decode()
    assert fonts.MISSING_FONT_MESSAGE in svg and 'font-family="sans-serif"' in svg
    png = charts.trend_chart([["2026-04-01", "1.00"]], fmt="png")
    assert png == charts.MISSING_FONT_PNG.read_bytes()
    assert Image.open(io.BytesIO(png)).size == (1125, 240)


def test_without_a_chinese_font_every_bulletin_download_still_works_and_says_why(snapshots, client_for, no_cjk_font):
    c = client_for("district_admin")
    for kind, query in (("weekly", WEEK), ("daily", DAY)):
        word = c.get(reverse("reports:download", args=[kind, "docx"]), query)
        assert word.status_code == 200
        d = docx.Document(io.BytesIO(word.content))
        assert f"（图表：{fonts.MISSING_FONT_MESSAGE}）" in [p.text for p in d.paragraphs]
        assert len(d.inline_shapes) == 0
        excel = c.get(reverse("reports:download", args=[kind, "xlsx"]), query)
        assert excel.status_code == 200
        rows = CalamineWorkbook.from_filelike(io.BytesIO(excel.content)).get_sheet_by_index(0).to_python()
        assert rows[3][1] in {"桃源乡", "柳溪镇"}
        pdf = c.get(reverse("reports:download", args=[kind, "pdf"]), query, follow=True)
        assert pdf.status_code == 200 and "无法生成 PDF：本机没有可显示中文的字体" in pdf.content.decode()
        svg = c.get(reverse("reports:chart", args=[kind, "ranking"]), query)
        assert svg.status_code == 200 and fonts.MISSING_FONT_MESSAGE in svg.content.decode()
    assert fonts.MISSING_FONT_MESSAGE in c.get(reverse("reports:trend_svg")).content.decode()
