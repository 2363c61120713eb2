"""`npl bulletin`: snapshot, daily and weekly to .docx/.xlsx; Chinese errors with exit codes."""
import datetime as dt
import io

import docx
import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from npl.reports.models import DailyFigure
from npl.reports.services import publish_bulletin
from npl.reports.tests.conftest import repay


def run(*args) -> str:
    out = io.StringIO()
    call_command("bulletin", *args, stdout=out)
    return out.getvalue()


def exit_code(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        call_command("bulletin", *args, stdout=io.StringIO())
    return exc.value.code, capsys.readouterr().err


def test_snapshot_takes_a_day_once(campaign):
    assert "新增2行" in run("snapshot", "--date", "2026-04-02")
    assert "已存在" in run("snapshot", "--date", "2026-04-02")
    assert "新增6行" in run("snapshot", "--from", "2026-04-01", "--to", "2026-04-04")
    assert DailyFigure.objects.count() == 8


def test_weekly_writes_word_or_excel_by_extension_taking_the_weeks_missing_snapshots(campaign, loans, tmp_path):
    repay(loans["LA001"], dt.date(2026, 4, 7), "43000.00")
    run("weekly", "--week", "2026-W15", "--out", str(tmp_path / "w15.docx"))
    text = "\n".join(p.text for p in docx.Document(tmp_path / "w15.docx").paragraphs)
    assert "本周清收4.3万元" in text
    run("weekly", "--week", "2026-W15", "--out", str(tmp_path / "w15.xlsx"), "--campaign", "攻坚行动")
    rows = CalamineWorkbook.from_path(str(tmp_path / "w15.xlsx")).get_sheet_by_index(0).to_python()
    assert rows[3][1] == "柳溪镇" and rows[3][8] == 10.0
    assert DailyFigure.objects.filter(day=dt.date(2026, 4, 12)).count() == 2


def test_a_published_bulletin_is_written_from_its_frozen_file(campaign, loans, cast, tmp_path):
    run("snapshot", "--from", "2026-04-06", "--to", "2026-04-12")
    b = publish_bulletin(cast["district_admin"], "weekly", campaign, dt.date(2026, 4, 6))
    repay(loans["LA001"], dt.date(2026, 4, 7), "43000.00")
    run("daily", "--date", "2026-04-07", "--out", str(tmp_path / "d.xlsx"))  # the day was taken: not moved
    run("weekly", "--week", "2026-W15", "--out", str(tmp_path / "w.docx"))
    assert (tmp_path / "w.docx").read_bytes() == bytes(b.docx)


@pytest.mark.parametrize("args, message", [
    (("weekly", "--week", "2026-15", "--out", "x.docx"), "周次“2026-15”无法识别"),
    (("weekly", "--week", "2026-W15", "--out", "x.odt"), "扩展名须为 .docx（Word）、.xlsx（Excel）或 .pdf"),
    (("daily", "--date", "04/31/2026", "--out", "x.docx"), "无法识别"),
])
def test_an_unusable_call_exits_2_with_a_chinese_message(campaign, capsys, args, message):
    code, err = exit_code(capsys, *args)
    assert code == 2 and message in err


def test_no_campaign_exits_1(db, capsys, tmp_path):
    code, err = exit_code(capsys, "daily", "--date", "2026-04-02", "--out", str(tmp_path / "d.docx"))
    assert code == 1 and "尚未设立清收行动" in err


def test_a_bulletin_for_a_day_still_to_come_is_refused_as_the_future_exits_2(campaign, capsys, tmp_path):
    from django.utils import timezone

    later = timezone.localdate() + dt.timedelta(days=33)
    code, err = exit_code(capsys, "daily", "--date", later.isoformat(), "--out", str(tmp_path / "d.docx"))
    assert code == 2 and f"--date {later} 是未来日期" in err and "请先运行" not in err
    week = f"{later.isocalendar().year}-W{later.isocalendar().week:02d}"
    code, err = exit_code(capsys, "weekly", "--week", week, "--out", str(tmp_path / "w.docx"))
    assert code == 2 and "尚未开始" in err
    assert not (tmp_path / "d.docx").exists() and not (tmp_path / "w.docx").exists()
    # The snapshot it used to suggest refuses the same day with the same exit code.
    code, err = exit_code(capsys, "snapshot", "--date", later.isoformat())
    assert code == 2 and "未来日期" in err
