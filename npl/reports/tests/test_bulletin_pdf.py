"""日调度/周通报 as PDF: the same words and table as the Word file, from the command line and the pages."""
import datetime as dt
import io
import re

import docx
from django.core.management import call_command
from django.urls import reverse

from npl.documents.tests.conftest import pdf_text
from npl.reports.services import backfill, publish_bulletin
from npl.reports.tests.conftest import repay


def _flat(text: str) -> str:
    # PDF text comes back wrapped at the page's line ends: compare without whitespace.
    return re.sub(r"\s+", "", text)


def _word_lines(data: bytes) -> list[str]:
    d = docx.Document(io.BytesIO(data))
    lines = [p.text for p in d.paragraphs if p.text.strip()]
    lines += ["".join(c.text for c in row.cells) for row in d.tables[0].rows]
    return lines


def test_the_weekly_pdf_says_everything_the_word_file_says(campaign, loans, tmp_path):
    repay(loans["LA001"], dt.date(2026, 4, 7), "43000.00")
    call_command("bulletin", "weekly", "--week", "2026-W15", "--out", str(tmp_path / "w.pdf"), stdout=io.StringIO())
    call_command("bulletin", "weekly", "--week", "2026-W15", "--out", str(tmp_path / "w.docx"), stdout=io.StringIO())
    pdf = (tmp_path / "w.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = _flat(pdf_text(pdf))
    lines = _word_lines((tmp_path / "w.docx").read_bytes())
    assert "西岭区不良贷款清收周通报" in lines[0] and "本周清收4.3万元" in "".join(lines)
    assert [line for line in lines if _flat(line) not in text] == []


def test_the_daily_pdf_is_a_download_on_the_bulletin_page_and_follows_a_published_bulletin(campaign, loans, client_for, cast):
    repay(loans["LB001"], dt.date(2026, 4, 8), "120000.00")
    backfill(dt.date(2026, 3, 31), dt.date(2026, 4, 9))
    c = client_for("district_admin")
    page = c.get(reverse("reports:daily"), {"date": "2026-04-08"}).content.decode()
    link = reverse("reports:download", args=["daily", "pdf"])
    assert f'href="{link}?date=2026-04-08' in page and "下载 PDF" in page
    publish_bulletin(cast["district_admin"], "daily", campaign, dt.date(2026, 4, 8))
    repay(loans["LB002"], dt.date(2026, 4, 8), "50000.00")  # arrives after publishing: the PDF must not move
    got = c.get(link, {"date": "2026-04-08", "campaign": campaign.pk})
    assert got["Content-Type"] == "application/pdf"
    word = c.get(reverse("reports:download", args=["daily", "docx"]), {"date": "2026-04-08", "campaign": campaign.pk})
    text = _flat(pdf_text(got.content))
    assert "日调度" in text and "12万元" in text
    assert [line for line in _word_lines(word.content) if _flat(line) not in text] == []
