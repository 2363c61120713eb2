"""End to end: spreadsheets in INTAKE.md's layout go through `npl import`, `npl report clocks --json` answers.

One loan per case of issue 5's acceptance table, every expected value worked by hand (DOMAIN.md
"Legal clocks"). The report is asked as of 2026-03-31 unless a test says otherwise.

Since issue 15 every deadline is the last day moved past rest days (民法典 art. 203) on the State
Council's schedules: 2026-03-15 was a Sunday, so a period "ending" then ends on Monday 2026-03-16, and a
signature that Monday interrupts it (E04, E05); from the Tuesday it is too late (E21, E22).
"""
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command

from npl import testing

D = dt.date
TOWN, OTHER_TOWN, BRANCH = "柳溪镇", "桃源乡", "柳溪支行"
AS_OF = "2026-03-31"

# loan_no: (maturity, township) — each loan is one case below.
LOANS = {
    "E01": (D(2020, 2, 29), TOWN),  # maturity on 29 February
    "E02": (D(2021, 6, 30), TOWN),  # notice signed on 29 February
    "E03": (D(2023, 3, 15), TOWN),  # borrower signs on the deadline day
    "E04": (D(2023, 3, 15), TOWN),  # relative signs on the Monday after the Sunday deadline: still in time
    "E05": (D(2023, 3, 15), TOWN),  # borrower signs on that Monday: interrupts
    "E06": (D(2023, 6, 30), TOWN),  # refused and unsigned notices
    "E07": (D(2022, 1, 31), TOWN),  # newspaper while on the lost-contact roster
    "E08": (D(2022, 1, 31), TOWN),  # newspaper before joining the roster
    "E09": (D(2019, 12, 31), TOWN),  # relative after lapse: nothing
    "E10": (D(2019, 12, 31), TOWN),  # repayment after lapse: revived
    "E11": (D(2019, 12, 31), TOWN),  # newspaper after lapse while lost: nothing
    "E12": (D(2021, 3, 15), TOWN),  # bank suit pending
    "E13": (D(2021, 3, 15), TOWN),  # bank suit judged
    "E14": (D(2021, 3, 15), TOWN),  # bank suit enforcing
    "E15": (D(2023, 3, 15), TOWN),  # borrower's suit against the bank
    "E16": (D(2023, 3, 15), TOWN),  # events before maturity and after the as-of day
    "E17": (D(2023, 9, 30), TOWN),  # exactly six months left
    "E18": (D(2023, 4, 20), TOWN),  # within one month
    "E19": (D(2022, 1, 31), TOWN),  # repayment before lapse
    "E20": (D(2022, 1, 31), OTHER_TOWN),  # another township
    "E21": (D(2023, 3, 15), TOWN),  # borrower signs on the Tuesday, after the extended deadline: revived
    "E22": (D(2023, 3, 15), TOWN),  # relative signs on the Tuesday: nothing
}

ACTIONS = [
    # 借据号, 催收日期, 催收方式, 签收情况
    ("E02", "2024-02-29", "信函催收", "借款人签收"),
    ("E03", "2026-03-15", "上门催收", "借款人签收"),
    ("E04", "2026-03-16", "上门催收", "家属签收"),
    ("E05", "2026-03-16", "律师函", "借款人签收"),
    ("E21", "2026-03-17", "律师函", "借款人签收"),
    ("E22", "2026-03-17", "上门催收", "家属签收"),
    ("E06", "2024-01-10", "上门催收", "拒签"),
    ("E06", "2024-02-10", "信函催收", "未签收"),
    ("E07", "2024-05-10", "登报公告", "未签收"),
    ("E08", "2024-05-10", "登报公告", "未签收"),
    ("E09", "2024-03-01", "上门催收", "家属签收"),
    ("E11", "2024-05-10", "登报公告", "未签收"),
    ("E16", "2022-12-01", "信函催收", "借款人签收"),
    ("E16", "2023-03-15", "上门催收", "借款人签收"),
    ("E16", "2026-04-15", "上门催收", "借款人签收"),
]
REPAYMENTS = [
    # 交易流水号, 借据号, 还款日期, 归还本金, 归还利息
    ("T0001", "E10", "2025-08-20", "500.00", "0"),
    ("T0002", "E19", "2024-07-01", "0", "120.00"),  # interest alone is still the borrower paying
]
LITIGATION = [
    # 借据号, 诉讼类型, 案号, 起诉日期, 判决日期, 执行案号, 当前阶段
    ("E12", "银行起诉借款人", "（2024）陕0523民初12号", "2024-05-01", "", "", "已立案"),
    ("E13", "银行起诉借款人", "（2024）陕0523民初13号", "2024-05-01", "2025-01-15", "", "已判决"),
    ("E14", "银行起诉借款人", "（2023）陕0523民初14号", "2023-06-01", "2023-11-20", "（2024）陕0523执14号", "执行中"),
    ("E15", "借款人起诉银行", "（2024）陕0523民初15号", "2024-05-01", "", "", "审理中"),
]
# Two lost-contact rosters: E07 and E11 from 2024-01-01; from 2024-06-01 E08 joins them.
ROSTERS = [("2024-01-01", ["E07", "E11"]), ("2024-06-01", ["E07", "E08", "E11"])]

EXPECTED = {
    # loan_no: (limitation_deadline, basis, status, enforcement_deadline)
    # Comments give the nominal last day (arts. 201–202) where it was a rest day (art. 203).
    "E01": ("2023-02-28", "maturity", "lapsed", None),
    "E02": ("2027-03-01", "signed_notice", "ok", None),  # Sun 2027-02-28; 2027 has no schedule yet: weekends only
    "E03": ("2029-03-15", "signed_notice", "ok", None),
    "E04": ("2029-03-16", "signed_notice", "ok", None),  # Sun 2026-03-15 → Mon 16th, signed that Monday
    "E05": ("2029-03-16", "signed_notice", "ok", None),  # likewise
    "E06": ("2026-06-30", "maturity", "due_3m", None),
    "E07": ("2027-05-10", "newspaper_notice", "ok", None),
    "E08": ("2025-02-05", "maturity", "lapsed", None),  # 2025-01-31: Spring Festival (28 Jan–4 Feb)
    "E09": ("2023-01-03", "maturity", "lapsed", None),  # 2022-12-31 to 2023-01-02: New Year's Day holiday
    "E10": ("2028-08-21", "revived", "ok", None),  # Sun 2028-08-20
    "E11": ("2023-01-03", "maturity", "lapsed", None),
    "E12": (None, "lawsuit", "suspended_by_suit", None),
    "E13": (None, "lawsuit", "suspended_by_suit", "2027-01-15"),
    "E14": (None, "lawsuit", "suspended_by_suit", None),
    "E15": ("2026-03-16", "maturity", "lapsed", None),  # Sun 2026-03-15
    "E16": ("2026-03-16", "maturity", "lapsed", None),
    "E17": ("2026-09-30", "maturity", "due_6m", None),
    "E18": ("2026-04-20", "maturity", "due_1m", None),
    "E19": ("2027-07-01", "repayment", "ok", None),
    "E20": ("2025-02-05", "maturity", "lapsed", None),
    "E21": ("2029-03-19", "revived", "ok", None),  # Sat 2029-03-17; no 2029 schedule: weekends only
    "E22": ("2026-03-16", "maturity", "lapsed", None),
}


def write_xlsx(path: Path, header: list[str], rows: list) -> Path:
    """A sheet as the bank or township sends it: a title row and a 统计日期 line above the header."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    ws.write_string(0, 0, "不良贷款清收数据")
    for c, title in enumerate(header):
        ws.write_string(2, c, title)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value in (None, ""):
                continue
            ws.write_string(r, c, str(value))
    wb.close()
    return path


def id_of(loan_no: str) -> str:
    return testing.valid_id(1000 + int(loan_no[1:]))


def write_files(folder: Path) -> dict[str, Path]:
    """The five kinds of file of the case table, in INTAKE.md's column names."""
    loans = [
        [no, f"借款人{no}", id_of(no), town, BRANCH, "100000", "80000", "2017-01-01", maturity.isoformat(), "保证"]
        for no, (maturity, town) in LOANS.items()
    ]
    files = {
        "loans": write_xlsx(
            folder / "loans.xlsx",
            ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"],
            loans,
        ),
        "actions": write_xlsx(folder / "actions.xlsx", ["借据号", "催收日期", "催收方式", "签收情况"], ACTIONS),
        "repayments": write_xlsx(
            folder / "repayments.xlsx", ["交易流水号", "借据号", "还款日期", "归还本金", "归还利息"], REPAYMENTS
        ),
        "litigation": write_xlsx(
            folder / "litigation.xlsx",
            ["借据号", "诉讼类型", "案号", "起诉日期", "判决日期", "执行案号", "当前阶段"],
            LITIGATION,
        ),
    }
    for day, members in ROSTERS:
        files[f"roster-{day}"] = write_xlsx(
            folder / f"lost_contact_{day}.xlsx", ["姓名", "身份证号"], [[f"借款人{no}", id_of(no)] for no in members]
        )
    return files


def import_commands(files: dict[str, Path]) -> list[list[str]]:
    """The `npl import` calls, in the order an operator would run them."""
    cmds = [
        ["import", "loans", str(files["loans"]), "--as-of", AS_OF, "--create-units", "--json"],
        ["import", "actions", str(files["actions"]), "--json"],
        ["import", "repayments", str(files["repayments"]), "--json"],
        ["import", "litigation", str(files["litigation"]), "--as-of", AS_OF, "--json"],
    ]
    for day, _ in ROSTERS:
        cmds.append(["import", "roster", "lost_contact", str(files[f"roster-{day}"]), "--as-of", day, "--json"])
    return cmds


@pytest.fixture
def imported(db, tmp_path, capsys):
    """Every file imported through the command, each import written in full."""
    for cmd in import_commands(write_files(tmp_path)):
        call_command(*cmd)
        report = json.loads(capsys.readouterr().out)
        assert report["written"] and not report["refused"], (cmd, report)
    return tmp_path


def report_clocks(capsys, *args) -> dict:
    call_command("report", "clocks", *args, "--json")
    return json.loads(capsys.readouterr().out)


def test_every_case_of_the_table_through_import_and_report(imported, capsys):
    report = report_clocks(capsys, "--as-of", AS_OF)
    assert report["as_of"] == AS_OF
    got = {
        r["loan_no"]: (r["limitation_deadline"], r["limitation_basis"], r["limitation_status"], r["enforcement_deadline"])
        for r in report["loans"]
    }
    assert got == EXPECTED


def test_township_scope_and_a_past_as_of_day(imported, capsys):
    report = report_clocks(capsys, "--township", TOWN, "--as-of", "2025-01-10")
    assert report["scope"] == TOWN
    # Every loan of the township, though the bank's snapshot (2026-03-31) is later than this as-of day.
    assert [r["loan_no"] for r in report["loans"]] == sorted(no for no, (_, town) in LOANS.items() if town == TOWN)
    got = {r["loan_no"]: r for r in report["loans"]}
    assert got["E07"]["limitation_deadline"] == "2027-05-10"
    assert (got["E13"]["limitation_status"], got["E13"]["enforcement_deadline"]) == ("suspended_by_suit", None)
    assert (got["E10"]["limitation_deadline"], got["E10"]["limitation_status"]) == ("2023-01-03", "lapsed")
    assert (got["E08"]["limitation_deadline"], got["E08"]["limitation_status"]) == ("2025-02-05", "due_1m")


def npl_process(tmp_path):
    """`npl` as operators and the hidden tables run it: separate processes on a fresh SQLite database.

    Returns run(*args) → stdout, asserting exit 0."""
    script = Path(sys.executable).with_name("npl")
    npl = [str(script)] if script.exists() else [sys.executable, "-m", "npl.cli"]
    env = dict(os.environ, NPL_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")

    def run(*args):
        done = subprocess.run([*npl, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.mark.slow  # eight `npl` processes, each starting Django
def test_the_real_command_line_gives_the_same_answer(tmp_path):
    """`npl` as operators and the hidden table run it: a fresh SQLite database, separate processes."""
    run = npl_process(tmp_path)
    run("migrate", "--noinput", "-v", "0")
    for cmd in import_commands(write_files(tmp_path)):
        assert json.loads(run(*cmd))["written"]
    report = json.loads(run("report", "clocks", "--as-of", AS_OF, "--json"))
    got = {r["loan_no"]: (r["limitation_deadline"], r["limitation_basis"], r["limitation_status"], r["enforcement_deadline"]) for r in report["loans"]}
    assert got == EXPECTED
