"""End to end on the State Council's real schedules: files built here go through `npl import`, and
`npl report clocks --as-of DATE --json` gives the extended deadlines (民法典 art. 203) with their nominal day and reason.

The schedules (国务院办公厅 notices): 2023 — 中秋节、国庆节 9月29日至10月6日放假，10月7日（周六）、8日（周日）上班;
2026 — 春节 2月15日至23日放假，2月14日（周六）、28日（周六）上班; 劳动节 5月1日至5日放假; 国庆节 10月1日至7日放假，
10月10日（周六）上班. 2027's schedule is not in the library: weekends alone, and the report says so.
"""
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from npl.collection.tests.test_clocks_cli import id_of, npl_process, write_xlsx

D = dt.date
TOWN, BRANCH = "柳溪镇", "柳溪支行"

LOANS = {
    # loan_no: maturity — three years on is the nominal last day of the limitation period
    "H01": D(2020, 10, 1),  # 2023-10-01, National Day 2023 → the 调休 Saturday 2023-10-07
    "H02": D(2023, 10, 1),  # 2026-10-01, National Day 2026 → Thursday 2026-10-08; signed on that day
    "H03": D(2023, 10, 1),  # the same, signed on 2026-10-09: one day late, revived
    "H04": D(2023, 2, 17),  # 2026-02-17, Spring Festival 2026 → Tuesday 2026-02-24
    "H05": D(2023, 2, 14),  # 2026-02-14, a 调休 Saturday: a working day, nothing moves
    "H06": D(2023, 3, 14),  # 2026-03-14, an ordinary Saturday → Monday 2026-03-16
    "H07": D(2021, 3, 15),  # judged 2024-05-01: the enforcement period ends 2026-05-01 → 2026-05-06
    "H08": D(2024, 10, 1),  # 2027-10-01, a Friday of a year with no schedule: weekends only, said so
}
ACTIONS = [
    ("H02", "2026-10-08", "信函催收", "借款人签收"),
    ("H03", "2026-10-09", "信函催收", "借款人签收"),
]
LITIGATION = [("H07", "银行起诉借款人", "（2023）陕0523民初7号", "2023-06-01", "2024-05-01", "", "已判决")]


def build_files(folder: Path) -> list[list[str]]:
    """The loans, ledger and court files in INTAKE.md's columns, and the `npl import` calls for them."""
    loans = write_xlsx(
        folder / "loans.xlsx",
        ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"],
        [[no, f"借款人{no}", id_of("E" + no[1:]), TOWN, BRANCH, "50000", "40000", "2018-01-01", m.isoformat(), "保证"]
         for no, m in LOANS.items()],
    )
    actions = write_xlsx(folder / "actions.xlsx", ["借据号", "催收日期", "催收方式", "签收情况"], ACTIONS)
    cases = write_xlsx(folder / "litigation.xlsx", ["借据号", "诉讼类型", "案号", "起诉日期", "判决日期", "执行案号", "当前阶段"],
                       LITIGATION)
    return [
        ["import", "loans", str(loans), "--as-of", "2026-12-01", "--create-units", "--json"],
        ["import", "actions", str(actions), "--json"],
        ["import", "litigation", str(cases), "--as-of", "2026-12-01", "--json"],
    ]


@pytest.fixture
def imported(db, tmp_path, capsys):
    for cmd in build_files(tmp_path):
        call_command(*cmd)
        report = json.loads(capsys.readouterr().out)
        assert report["written"] and not report["refused"], (cmd, report)


def clocks(capsys, as_of: str) -> dict[str, dict]:
    call_command("report", "clocks", "--as-of", as_of, "--json")
    return {r["loan_no"]: r for r in json.loads(capsys.readouterr().out)["loans"]}


def limitation(row) -> tuple:
    return (row["limitation_nominal_deadline"], row["limitation_deadline"], row["limitation_deadline_reason"], row["limitation_status"])


def test_national_day_2023_moves_the_last_day_to_the_tiaoxiu_saturday(imported, capsys):
    assert limitation(clocks(capsys, "2023-10-07")["H01"]) == ("2023-10-01", "2023-10-07", "因国庆节假期顺延至10月7日", "due_1m")
    assert clocks(capsys, "2023-10-08")["H01"]["limitation_status"] == "lapsed"


def test_national_day_2026_a_signature_on_the_extended_last_day_interrupts(imported, capsys):
    before = clocks(capsys, "2026-09-30")
    assert limitation(before["H02"]) == ("2026-10-01", "2026-10-08", "因国庆节假期顺延至10月8日", "due_1m")
    after = clocks(capsys, "2026-10-09")
    assert (after["H02"]["limitation_basis"], after["H02"]["limitation_deadline"], after["H02"]["limitation_status"]) == (
        "signed_notice", "2029-10-08", "ok")
    # the next day is too late: the claim had lapsed, and the borrower's own signature revives it
    assert (after["H03"]["limitation_basis"], after["H03"]["limitation_deadline"]) == ("revived", "2029-10-09")


def test_spring_festival_2026_and_the_two_kinds_of_saturday(imported, capsys):
    got = clocks(capsys, "2026-02-14")
    assert limitation(got["H04"]) == ("2026-02-17", "2026-02-24", "因春节假期顺延至2月24日", "due_1m")
    assert limitation(got["H05"]) == ("2026-02-14", "2026-02-14", None, "due_1m")  # 调休上班: the last day stays
    assert limitation(clocks(capsys, "2026-02-15")["H05"])[3] == "lapsed"
    assert limitation(clocks(capsys, "2026-03-16")["H06"]) == ("2026-03-14", "2026-03-16", "因周末顺延至3月16日", "due_1m")
    assert clocks(capsys, "2026-03-17")["H06"]["limitation_status"] == "lapsed"


def test_an_enforcement_period_ending_on_1_may_runs_to_the_first_working_day_after_labour_day(imported, capsys):
    row = clocks(capsys, "2026-05-06")["H07"]
    assert (row["enforcement_nominal_deadline"], row["enforcement_deadline"], row["enforcement_deadline_reason"]) == (
        "2026-05-01", "2026-05-06", "因劳动节假期顺延至5月6日")
    assert row["enforcement_status"] == "due_1m" and row["limitation_status"] == "suspended_by_suit"
    assert clocks(capsys, "2026-05-07")["H07"]["enforcement_status"] == "lapsed"


def test_a_deadline_in_a_year_without_a_schedule_says_weekends_alone_were_counted(imported, capsys):
    row = clocks(capsys, "2026-12-01")["H08"]
    assert (row["limitation_deadline"], row["limitation_schedule_missing"]) == ("2027-10-01", True)
    assert row["limitation_deadline_reason"] == "2027年节假日安排尚未录入，仅按周末计算"
    assert clocks(capsys, "2026-12-01")["H04"]["limitation_schedule_missing"] is False


def test_the_text_report_reads_in_chinese_with_the_reason(imported, capsys):
    call_command("report", "clocks", "--as-of", "2026-09-30")
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("H02 "))
    assert line == "H02 2026-10-08 到期日起算 1个月内届满 - 因国庆节假期顺延至10月8日"


@pytest.mark.slow  # four `npl` processes, each starting Django
def test_the_real_command_line_gives_the_extended_deadlines(tmp_path):
    """`npl` as the hidden holiday cases run it: separate processes on a fresh SQLite database."""
    run = npl_process(tmp_path)
    run("migrate", "--noinput", "-v", "0")
    for cmd in build_files(tmp_path):
        assert json.loads(run(*cmd))["written"]
    got = {r["loan_no"]: r for r in json.loads(run("report", "clocks", "--as-of", "2026-09-30", "--json"))["loans"]}
    assert {no: (r["limitation_deadline"], r["limitation_status"], r["enforcement_deadline"]) for no, r in got.items()} == {
        "H01": ("2023-10-07", "lapsed", None),
        "H02": ("2026-10-08", "due_1m", None),
        "H03": ("2026-10-08", "due_1m", None),
        "H04": ("2026-02-24", "lapsed", None),
        "H05": ("2026-02-14", "lapsed", None),
        "H06": ("2026-03-16", "lapsed", None),
        "H07": (None, "suspended_by_suit", "2026-05-06"),
        "H08": ("2027-10-01", "ok", None),
    }
