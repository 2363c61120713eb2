"""Whole-file fuzzing (issue 13 point 6): valid files of every kind with random cells replaced by nasty values.

Whatever lands in a cell, an import answers with a report or a clear refusal: never a traceback, exit 0, 1
or 2 only, every row read accounted for, and every refused row carries its row, reason and message.
The files are written with XlsxWriter, so cells keep Excel's own types (numbers, dates, booleans,
formulas with cached values, error cells), and the imports run through `npl import … --json`.
"""
import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npl import testing
from npl.intake.choices import Reason
from npl.intake.tests.sheets import ErrorCell, Formula, write_xlsx

FUZZ = settings(max_examples=int(os.environ.get("NPL_FUZZ_EXAMPLES", "30")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
AS_OF = "2026-03-31"


NASTY_TEXT = st.sampled_from([
        "", " ", "\u3000", "\t\n", "-", "—", "N/A", "NaN", "nan", "inf", "-inf", "None", "null", "TRUE",
        "=SUM(A1:A3)", "=HYPERLINK(\"http://evil.example/\",\"点我\")", "+1", "@x", "1e308", "-1", "-0.01", "0",
        "99999999999999999999999", "1.005", "１２３", "2019-02-30", "1900-01-01", "9999-12-31", "0000-00-00",
        "2019年13月1日", "20190230", "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "\u202e反转\u202c", "\u2066隔离\u2069",
        "\u200b", "\x00", "\ufeff", "𠀀𠀁", "😀", "ｘ" * 60, "名" * 300, "长" * 2000, "A" * 51, "1" * 65,
])
# The hand-picked values are drawn half the time: they are the ones that found holes.
NASTY = st.one_of(
    NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT, NASTY_TEXT,
    st.integers(min_value=-10**16, max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e15, 1e300, -5e-324, 43831.0, 2958465.0, 60.0, 1.0, 19000101.0, 99991231.0]),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from([dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(9999, 12, 31)]),
    st.builds(ErrorCell, st.sampled_from(["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"])),
    st.builds(Formula, st.just("=1+1"), st.sampled_from([2, "text", "", 0.1, True])),
    st.text(max_size=40),
)


def _loan_rows(ids):
    return [
        ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式",
         "合同号", "联系电话", "村(社区)", "欠息", "五级分类", "执行利率", "客户经理"],
        *[[f"F{i}", "张三", ids[i], "柳溪镇", "柳溪支行", "100000.00", "80000.00", "2019-03-15", "2022-03-15", "抵押+保证",
           f"HT{i}", "13900000000", "东村", "1200.50", "可疑", "7.2", "李四"] for i in range(4)],
    ]


KINDS = {
    "loans": (["loans"], _loan_rows),
    "roster": (["roster", "deceased"], lambda ids: [
        ["姓名", "身份证号", "工作单位", "死亡日期", "刑满释放日期", "实际居住地", "迁入地", "备注"],
        *[["张三", ids[i], "某单位", "2024-05-01", "", "某地", "", "备注"] for i in range(4)],
    ]),
    "loan-list": (["loan-list", "impersonated_or_staff"], lambda ids: [
        ["借据号", "类型", "借款人"], *[[f"K{i}", "冒名顶替", "张三"] for i in range(4)],
    ]),
    "litigation": (["litigation"], lambda ids: [
        ["借据号", "诉讼类型", "案号", "受理法院", "起诉日期", "立案日期", "判决日期", "执行案号", "当前阶段", "借款人"],
        *[[f"K{i}", "银行起诉借款人", f"（2026）陕0523民初{i}号", "西岭区人民法院", "2026-02-10", "2026-02-20", "", "", "已立案", "张三"]
          for i in range(4)],
    ]),
    "repayments": (["repayments"], lambda ids: [
        ["交易流水号", "借据号", "还款日期", "归还本金", "归还利息", "还款方式", "借款人"],
        *[[f"T{i}", f"K{i}", "2026-04-01", "500.00", "20.00", "转账", "张三"] for i in range(4)],
    ]),
    "actions": (["actions"], lambda ids: [
        ["借据号", "催收日期", "催收方式", "签收情况", "催收人", "催收结果", "承诺还款日期", "承诺还款金额", "备注"],
        *[[f"K{i}", "2026-04-02", "上门催收", "借款人签收", "王五", "承诺还款", "2026-04-30", "1000.00", ""] for i in range(4)],
    ]),
}


@pytest.fixture
def known_loans(db):
    """Loans K0…K3 that the loan-referring kinds point at, and F0…F3 that a loans file updates."""
    town, bank_branch = testing.township("柳溪镇"), testing.branch("柳溪支行")
    bank_branch.townships.add(town)
    testing.community(town, "东村")
    for i in range(4):
        testing.loan(f"K{i}", testing.borrower(100 + i), town, bank_branch)
        testing.loan(f"F{i}", testing.borrower(200 + i), town, bank_branch, balance="70000.00")
    return town


@st.composite
def mutated_files(draw):
    kind = draw(st.sampled_from(list(KINDS)))
    args, build = KINDS[kind]
    rows = build([testing.valid_id(300 + i) for i in range(4)])
    header, data = rows[0], [list(r) for r in rows[1:]]
    for _ in range(draw(st.integers(1, 8))):
        r = draw(st.integers(0, len(data) - 1))
        c = draw(st.integers(0, len(header) - 1))
        data[r][c] = draw(NASTY)
    return kind, args, [header, *data], draw(st.booleans()), draw(st.booleans())


@pytest.mark.django_db
@given(mutated_files())
@FUZZ
def test_no_cell_however_nasty_crashes_an_import_or_escapes_the_report(npl_import, known_loans, case):
    kind, args, rows, skip_invalid, dry_run = case
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(Path(tmp) / f"{kind}.xlsx", rows)
        extra = ["--skip-invalid"] if skip_invalid else []
        extra += ["--dry-run"] if dry_run else []
        extra += ["--as-of", AS_OF] if kind in ("loans", "roster", "loan-list", "litigation") else []
        code, report, err = npl_import(*args, path, *extra)
    assert code in (0, 1, 2), err
    if code == 2:
        assert report is None and err.strip(), "an unusable file is refused with a message on stderr"
        return
    counted = report["created"] + report["updated"] + report["unchanged"] + len(report["refused"]) + len(report["duplicates"])
    assert report["rows_read"] == counted
    assert 0 < report["rows_read"] <= len(rows) - 1 or not any(r for r in rows[1:])
    reasons = {r.value for r in Reason}
    for refusal in report["refused"]:
        assert isinstance(refusal["row"], int) and refusal["row"] >= 2
        assert refusal["reason"] in reasons
        assert refusal["message"].strip()
    assert code == (1 if report["refused"] and not skip_invalid else 0)

