"""Real office layouts (issue 13): stated units, totals rows, ambiguous columns and mappings, two-row
headers, hidden rows and columns, encodings, disguised files and upload limits. Every file is built in
the test the way Excel, WPS or LibreOffice save it."""
import datetime as dt
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter

from npl.intake.models import ColumnMapping
from npl.intake.readers import own_files
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_csv, write_xls, write_xlsx
from npl.loans.models import Loan

AS_OF = ("--as-of", "2026-03-31", "--create-units")
# Three loans in 元 and the same loans in 万元 (6 decimals: exact to the cent).
YUAN = [("L1", "123456.78", "100000.01"), ("L2", "200000", "150000.5"), ("L3", "98765.43", "0.07")]
WAN = [("L1", "12.345678", "10.000001"), ("L2", "20", "15.00005"), ("L3", "9.876543", "0.000007")]


def loans_sheet(ids, amounts, header=LOAN_HEADER, above=()):
    rows = [list(r) for r in above] + [list(header)]
    for i, (loan_no, amount, balance) in enumerate(amounts):
        rows.append(loan_row(loan_no, ids[i], amount=amount, balance=balance))
    return rows


def figures():
    return {x.loan_no: (x.amount, x.principal_balance) for x in Loan.objects.all()}


def header_with(**labels):
    """LOAN_HEADER with some columns renamed (贷款金额 → labels['amount'], 贷款余额 → labels['balance'])."""
    header = list(LOAN_HEADER)
    header[5] = labels.get("amount", header[5])
    header[6] = labels.get("balance", header[6])
    return header


# -- 1. units ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "above, header",
    [
        ([["不良贷款清单"], ["统计日期：2026年03月31日", "", "", "", "", "", "", "单位：万元"]], LOAN_HEADER),
        ([["金额单位：万元"]], LOAN_HEADER),
        ([["（单位：万元）"]], LOAN_HEADER),
        ([], header_with(amount="贷款金额（万元）", balance="本金余额(万元)")),
        ([], header_with(amount="贷款金额 (万)", balance="贷款余额\n（万元）")),
        ([["单位：元"]], header_with(amount="贷款金额【万元】", balance="余额（万元）")),  # the cell's own unit wins
    ],
    ids=["note-row", "amount-unit-note", "bracketed-note", "header-cells", "short-unit-and-line-break", "cell-over-note"],
)
def test_a_file_in_wan_gives_the_same_figures_to_the_cent_as_the_file_in_yuan(tmp_path, npl_import, ids, above, header):
    code, first, err = npl_import("loans", write_xlsx(tmp_path / "yuan.xlsx", loans_sheet(ids, YUAN)), *AS_OF)
    assert code == 0, err
    in_yuan = figures()
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "wan.xlsx", loans_sheet(ids, WAN, header, above)), *AS_OF)
    assert code == 0, err
    assert report["unchanged"] == 3 and report["updated"] == 0
    assert figures() == in_yuan
    assert in_yuan["L1"] == (Decimal("123456.78"), Decimal("100000.01"))
    assert report["units"] == {"amount": "万元", "balance": "万元"}
    assert first["units"] == {"amount": "元", "balance": "元"}


def test_headers_stating_yuan_are_recognised_as_their_fields(tmp_path, npl_import, ids):
    header = header_with(amount="贷款金额（元）", balance="本金余额(元)")
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "y.xlsx", loans_sheet(ids, YUAN, header)), *AS_OF)
    assert code == 0, err
    assert report["columns"]["amount"] == "贷款金额（元）" and report["columns"]["balance"] == "本金余额(元)"
    assert figures()["L2"] == (Decimal("200000.00"), Decimal("150000.50"))


def test_a_wan_figure_with_more_than_six_decimals_refuses_its_row_naming_the_column(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, [("L1", "12.3456789", "10"), ("L2", "20", "15")], header_with(amount="贷款金额（万元）"))
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "w.xlsx", rows), *AS_OF)
    assert code == 1
    [refusal] = report["refused"]
    assert refusal["row"] == 2 and refusal["reason"] == "invalid_amount"
    assert "贷款金额（万元）" in refusal["message"] and "12.3456789" in refusal["message"]


def test_an_xls_saved_by_wps_with_units_in_the_header_reads_in_yuan(tmp_path, npl_import, ids):
    header = header_with(amount="贷款金额（万元）", balance="本金余额（万元）")
    code, report, err = npl_import("loans", write_xls(tmp_path / "w.xls", loans_sheet(ids, WAN, header)), *AS_OF)
    assert code == 0, err
    assert figures()["L3"] == (Decimal("98765.43"), Decimal("0.07"))


# -- 2. totals ----------------------------------------------------------------------------------------------
def test_a_totals_row_that_matches_the_rows_is_reported_as_checked(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN) + [["", "合　计", "", "", "", "422222.21", "250000.58"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert report["rows_read"] == 3
    assert report["totals"]["balance"] == {"row": 5, "stated": "250000.58", "sum": "250000.58", "unit": "元"}


def test_a_totals_row_that_disagrees_refuses_the_file_naming_column_total_and_sum(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN) + [["总计", "", "", "", "", "422222.21", "250100.58"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 2 and report is None
    assert "合计行（第5行）" in err and "贷款余额" in err
    assert "250100.58 元（25.01 万元）" in err and "250000.58 元（25.00 万元）" in err
    assert "贷款金额：" not in err  # the amount column agrees
    assert not Loan.objects.exists()


def test_an_unstated_wan_file_with_a_yuan_total_is_caught(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, WAN) + [["合计", "", "", "", "", "422222.21", "250000.58"]]
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 2 and "贷款金额：合计行写 422222.21 元" in err and "按元读取" in err


# A bank list in 万元 to 2 places with no unit anywhere, totalled in 万元 too: the total agrees with its rows,
# so only the figures themselves show that every loan would be read 10,000 times too small.
WAN_2_PLACES = [("L1", "12.35", "10.00"), ("L2", "20.00", "15.00"), ("L3", "9.88", "0.01")]


@pytest.mark.parametrize("total", [[], [["合计", "", "", "", "", "42.23", "25.01"]]], ids=["no-total", "matching-wan-total"])
def test_an_unstated_wan_file_is_refused_even_when_its_total_agrees(tmp_path, npl_import, ids, total):
    rows = loans_sheet(ids, WAN_2_PLACES) + total
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 2 and report is None
    assert "贷款金额：3行中有3行不足 1000.00 元（如第2行“12.35”）" in err and "单位：万元" in err
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    "above, header",
    [([["单位：万元"]], LOAN_HEADER), ([], header_with(amount="贷款金额（万元）", balance="贷款余额（万元）"))],
    ids=["note-row", "header-cells"],
)
def test_figures_in_yuan_under_a_wan_unit_are_refused_not_multiplied(tmp_path, npl_import, ids, above, header):
    # A template's 单位：万元 left over figures typed in 元: every loan would be 10,000 times too large, and
    # a totals row in the same unit would agree.
    rows = loans_sheet(ids, YUAN, header, above) + [["合计", "", "", "", "", "422222.21", "250000.58"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 2 and report is None
    assert err.startswith("错误：贷款金额") and "按万元读取，3行中有3行达到 10000.00 万元以上" in err
    assert "即 1234567800.00 元" in err and "单位改为“元”" in err
    assert not Loan.objects.exists()


def test_small_loans_are_read_in_yuan_once_the_file_says_so(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, WAN_2_PLACES, above=[["单位：元"]])
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert figures()["L1"] == (Decimal("12.35"), Decimal("10.00"))


def test_a_file_with_a_few_small_loans_among_ordinary_ones_is_read_in_yuan(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, [("L0", "500", "500"), *YUAN])
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert report["created"] == 4 and figures()["L0"] == (Decimal("500.00"), Decimal("500.00"))


def test_a_wan_total_typed_to_two_places_matches_its_rows(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, WAN, above=[["单位：万元"]]) + [["合计", "", "", "", "", "42.22", "25.00"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert report["totals"]["amount"]["stated"] == "422200.00" and report["totals"]["amount"]["sum"] == "422222.21"


# Three loans of 10,040 元 exported in 万元 as shown to 2 places (1.00 each), with the bank's total: the exact
# sum rounded (3.01), not the sum of the rounded rows (3.00).
ROUNDED_WAN = [("L1", "5.00", "1.00"), ("L2", "5.00", "1.00"), ("L3", "5.00", "1.00")]


def test_a_wan_total_off_only_by_the_rounding_of_its_rows_is_accepted_with_a_warning(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, ROUNDED_WAN, above=[["单位：万元"]]) + [["合计", "", "", "", "", "15.00", "3.01"]]
    code, report, err = npl_import("loans", write_csv(tmp_path / "t.csv", rows, "gb18030"), *AS_OF)
    assert code == 0, err
    assert report["totals"]["balance"]["rounding"] == "150.00"
    (warning,) = report["warnings"]
    assert warning["row"] == 6 and "合计行写 3.01 万元，各行相加为 3.00 万元" in warning["message"]
    assert "四舍五入" in warning["message"]
    assert figures()["L1"] == (Decimal("50000.00"), Decimal("10000.00"))


def test_a_wan_total_beyond_the_rounding_of_its_rows_is_still_refused(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, ROUNDED_WAN, above=[["单位：万元"]]) + [["合计", "", "", "", "", "15.00", "3.03"]]
    code, report, err = npl_import("loans", write_csv(tmp_path / "t.csv", rows, "gb18030"), *AS_OF)
    assert code == 2 and "合计行写 30300.00 元（3.03 万元），各行相加为 30000.00 元（3.00 万元）" in err


def test_one_refused_row_keeps_its_row_refusal_when_the_total_counts_the_rows_as_written(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN) + [["合计", "", "", "", "", "422222.21", "250000.58"]]
    rows[2][2] = rows[2][2][:17] + ("1" if rows[2][2][17] == "0" else "0")  # L2's check digit is wrong
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 1
    assert [r["reason"] for r in report["refused"]] == ["invalid_id_number"]
    # …and equally when the total counts only the good loans (L1 and L3).
    rows[-1] = ["合计", "", "", "", "", "222222.21", "100000.08"]
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "t2.xlsx", rows), *AS_OF)
    assert code == 1 and report["totals"]["balance"]["sum_kept"] == "100000.08"


def test_signature_and_note_lines_under_the_table_are_not_read_as_loans(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN) + [
        ["合计", "", "", "", "", "422222.21", "250000.58"],
        [],
        ["制表人：王芳", "", "", "复核人：李强", "", "", "", "制表日期：2026年4月2日"],
        ["备注：1.本表金额单位为元；2.数据来源于信贷管理系统"],
    ]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert report["rows_read"] == 3 and report["created"] == 3 and report["refused"] == []


@pytest.mark.parametrize("numbers", [[str(i) for i in range(1, 11)], ["栏次", *range(1, 10)]], ids=["digits", "labelled"])
def test_a_row_of_column_numbers_under_the_header_is_not_a_loan(tmp_path, npl_import, ids, numbers):
    rows = loans_sheet(ids, YUAN)
    rows.insert(1, numbers)
    rows.append(["合计", "", "", "", "", "422222.21", "250000.58"])
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert report["rows_read"] == 3 and report["totals"]["balance"]["sum"] == "250000.58"


def test_a_loan_row_holding_a_note_is_still_a_loan_row(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN) + [["L9", "备注：已起诉"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 1 and report["rows_read"] == 4
    assert [r["row"] for r in report["refused"]] == [5]


@pytest.mark.parametrize("first", ["cover", "hidden"])
def test_a_workbook_whose_first_sheet_has_no_header_is_read_from_the_sheet_that_has(tmp_path, npl_import, ids, first):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    front = wb.add_worksheet("填表说明" if first == "cover" else "代码表")
    front.write(0, 0, "金额单位为元，请勿改动表头")
    data = wb.add_worksheet("不良贷款明细")
    for r, row in enumerate(loans_sheet(ids, YUAN)):
        data.write_row(r, 0, row)
    if first == "hidden":
        data.activate()
        front.hide()
    wb.close()
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["sheet"] == "不良贷款明细" and report["created"] == 3


def test_a_named_sheet_without_a_header_is_refused_not_replaced(tmp_path, npl_import, ids):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("填表说明").write(0, 0, "说明")
    data = wb.add_worksheet("不良贷款明细")
    for r, row in enumerate(loans_sheet(ids, YUAN)):
        data.write_row(r, 0, row)
    wb.close()
    code, report, err = npl_import("loans", path, "--sheet", "填表说明", *AS_OF)
    assert code == 2 and "没有找到表头" in err


@pytest.mark.parametrize(
    "key, says",
    [(8103110108951003.0, "8103110108951003 被存成了数字，超过15位"), ("8.10311E+12", "“8.10311E+12”是科学计数法")],
    ids=["sixteen-digit-number", "scientific-text"],
)
def test_a_loan_number_that_excel_has_cut_short_refuses_its_row(tmp_path, npl_import, ids, key, says):
    rows = loans_sheet(ids, YUAN)
    rows[2][0] = key
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 1
    (refused,) = report["refused"]
    assert refused["row"] == 3 and refused["reason"] == "invalid_value"
    assert refused["message"].startswith("借据号：") and says in refused["message"]
    assert not Loan.objects.exists()


def test_a_loan_number_of_up_to_fifteen_digits_stored_as_a_number_is_read_whole(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN)
    rows[1][0] = 810311010895100.0
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "t.xlsx", rows), *AS_OF)
    assert code == 0, err
    assert "810311010895100" in figures()


# -- 3. ambiguity, mappings ----------------------------------------------------------------------------------
def stale_balance_sheet(ids):
    """A stale 余额 column left of 本金余额 (hidden in the sheet), both naming the balance."""
    header = [*LOAN_HEADER[:6], "余额", "本金余额", *LOAN_HEADER[7:]]
    rows = [header]
    for i, (loan_no, amount, balance) in enumerate(YUAN):
        row = loan_row(loan_no, ids[i], amount=amount, balance=balance)
        rows.append([*row[:6], "1.00", *row[6:]])
    return rows


def test_two_columns_naming_one_field_refuse_the_file_naming_both(tmp_path, npl_import, ids):
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "a.xlsx", stale_balance_sheet(ids)), *AS_OF)
    assert code == 2 and report is None
    assert "“余额”和“本金余额”" in err and "贷款余额" in err and "--map" in err


def test_map_on_the_command_line_chooses_the_column_and_the_report_says_which(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "a.xlsx", stale_balance_sheet(ids))
    code, report, err = npl_import("loans", path, *AS_OF, "--map", "贷款余额=本金余额")
    assert code == 0, err
    assert report["columns"]["balance"] == "本金余额" and "余额" in report["unknown_columns"]
    assert figures()["L1"][1] == Decimal("100000.01")
    code, _, err = npl_import("loans", path, *AS_OF, "--map", "余额本金")
    assert code == 2 and "字段=列名" in err
    code, _, err = npl_import("loans", path, *AS_OF, "--map", "利息=本金余额")
    assert code == 2 and "“利息”不存在" in err


def test_a_map_can_name_an_unknown_column_for_a_field(tmp_path, npl_import, ids):
    header = header_with(balance="剩余本金")
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "u.xlsx", loans_sheet(ids, YUAN, header)), *AS_OF)
    assert code == 2 and "贷款余额" in err
    code, report, err = npl_import("loans", tmp_path / "u.xlsx", *AS_OF, "--map", "balance=剩余本金")
    assert code == 0 and report["columns"]["balance"] == "剩余本金", err


def test_a_saved_mapping_is_used_by_name(tmp_path, npl_import, ids, cast):
    ColumnMapping.objects.create(name="柳溪支行信贷系统", kind="loans", columns={"balance": "本金余额"})
    path = write_xlsx(tmp_path / "a.xlsx", stale_balance_sheet(ids))
    code, report, err = npl_import("loans", path, *AS_OF, "--mapping", "柳溪支行信贷系统")
    assert code == 0 and report["columns"]["balance"] == "本金余额", err
    code, _, err = npl_import("loans", path, *AS_OF, "--mapping", "没有这个")
    assert code == 2 and "找不到名为“没有这个”的列映射" in err and "柳溪支行信贷系统" in err


# -- 4. header shapes, hidden rows and columns ----------------------------------------------------------------
def test_a_two_row_header_with_merged_cells_and_a_unit_group_is_read(tmp_path, npl_import, ids):
    path = tmp_path / "two.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for c, label in enumerate(LOAN_HEADER):
        if c in (5, 6):
            continue
        ws.merge_range(0, c, 1, c, label)  # vertically merged over the two header rows
    ws.merge_range(0, 5, 0, 6, "金额（万元）")  # the group row states the unit of the two under it
    ws.write_string(1, 5, "贷款金额")
    ws.write_string(1, 6, "贷款余额")
    for r, (loan_no, amount, balance) in enumerate(WAN, start=2):
        for c, value in enumerate(loan_row(loan_no, ids[r - 2], amount=amount, balance=balance)):
            ws.write_string(r, c, value)
    wb.close()
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["rows_read"] == 3 and report["units"]["balance"] == "万元"
    assert figures()["L2"] == (Decimal("200000.00"), Decimal("150000.50"))


def test_a_two_row_header_without_merges_csv_reads_blank_cells_from_the_row_above(tmp_path, npl_import, ids):
    top = [h if i not in (5, 6) else ("金额（元）" if i == 5 else "") for i, h in enumerate(LOAN_HEADER)]
    bottom = ["" if i not in (5, 6) else h for i, h in enumerate(LOAN_HEADER)]
    rows = [top, bottom] + loans_sheet(ids, YUAN)[1:]
    code, report, err = npl_import("loans", write_csv(tmp_path / "two.csv", rows), *AS_OF)
    assert code == 0 and report["rows_read"] == 3, err


def test_hidden_rows_are_imported_and_listed_and_hidden_columns_are_read(tmp_path, npl_import, ids):
    path = tmp_path / "hidden.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    rows = loans_sheet(ids, YUAN)
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    ws.autofilter(0, 0, len(rows) - 1, len(LOAN_HEADER) - 1)
    ws.filter_column(3, "x == 柳溪镇")
    ws.set_row(2, None, None, {"hidden": True})  # row 3 (L2), as an autofilter hides it
    ws.set_column(6, 6, None, None, {"hidden": True})  # the balance column hidden
    wb.close()
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["created"] == 3
    assert report["hidden_rows"] == {"count": 1, "rows": [3]}
    assert figures()["L2"][1] == Decimal("150000.50")


# -- 5. encodings and disguises -----------------------------------------------------------------------------
def test_a_csv_with_a_utf8_mark_but_gb18030_bytes_is_refused_saying_where(tmp_path, npl_import, ids):
    path = tmp_path / "bom.csv"
    body = "\n".join(",".join(r) for r in loans_sheet(ids, YUAN))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("gb18030"))
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 2 and report is None
    assert "UTF-8" in err and "第1行第4个字节" in err and "Traceback" not in err  # the first byte after the mark


def test_excel_unicode_text_utf16_with_tabs_saved_as_csv_is_read(tmp_path, npl_import, ids):
    # Excel's 另存为“Unicode 文本”: UTF-16 little-endian with a byte-order mark, tab-separated, CRLF.
    rows = loans_sheet(ids, YUAN, above=[["单位：元"]])
    path = tmp_path / "unicode.csv"
    path.write_bytes("\r\n".join("\t".join(str(c) for c in row) for row in rows).encode("utf-16"))
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["created"] == 3 and figures()["L1"] == (Decimal("123456.78"), Decimal("100000.01"))


def test_an_html_table_saved_as_xls_is_read_like_a_sheet(tmp_path, npl_import, ids):
    cells = "".join(f"<th>{h}</th>" for h in LOAN_HEADER[:5]) + '<th colspan="2">金额（元）</th>' + "".join(
        f'<th rowspan="2">{h}</th>' for h in LOAN_HEADER[7:])
    head = "<tr>" + "".join(f'<th rowspan="2">{h}</th>' for h in LOAN_HEADER[:5]) + '<th colspan="2">金额（元）</th>' + "".join(
        f'<th rowspan="2">{h}</th>' for h in LOAN_HEADER[7:]) + "</tr><tr><th>贷款金额</th><th>贷款余额</th></tr>"
    assert cells  # the flat variant is what older exports write; the two-row one is harder
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in loans_sheet(ids, YUAN)[1:])
    html = f'<html><head><meta charset="gbk"><title>导出</title></head><body><table border="1">{head}{body}</table></body></html>'
    path = tmp_path / "export.xls"
    path.write_bytes(html.encode("gbk"))
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["rows_read"] == 3 and figures()["L1"] == (Decimal("123456.78"), Decimal("100000.01"))


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("list.xlsx", b"%PDF-1.7\n...", "PDF 文档"),
        ("list.xls", b"PK\x03\x04rest-of-a-zip", "ZIP 压缩包格式的表格（.xlsx）"),
        ("list.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old-excel", "旧版 Excel 格式（.xls）"),
        ("list.xls", "借据号\t借款人\n".encode(), "纯文本"),
        ("list.xlsx", b"<!DOCTYPE html><html><table></table></html>", "网页（HTML）"),
        ("list.xls", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "Excel 2003 XML"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused_naming_what_it_is(tmp_path, npl_import, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 2 and report is None and says in err and "扩展名" in err


def test_a_word_file_or_a_plain_zip_renamed_xlsx_is_refused_naming_what_it_is(tmp_path, npl_import):
    import docx

    document = docx.Document()
    document.add_paragraph("不良贷款明细")
    document.save(tmp_path / "list.xlsx")
    code, report, err = npl_import("loans", tmp_path / "list.xlsx", *AS_OF)
    assert code == 2 and report is None and "内容是Word 文档（.docx）" in err and "扩展名是 .xlsx" in err
    with zipfile.ZipFile(tmp_path / "zipped.xlsx", "w") as zf:
        zf.writestr("loans.csv", ",".join(LOAN_HEADER))
    code, report, err = npl_import("loans", tmp_path / "zipped.xlsx", *AS_OF)
    assert code == 2 and report is None and "内容是普通 ZIP 压缩包" in err


def loans_with_formula_balances(path, ids, cached):
    """The balances as formulas, written by XlsxWriter the way a program writes them: with the value it is
    given, or with 0 and a request that Excel calculate on opening (fullCalcOnLoad)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, LOAN_HEADER)
    for r, (loan_no, amount, balance) in enumerate(YUAN, start=1):
        ws.write_row(r, 0, loan_row(loan_no, ids[r - 1], amount=amount))
        if cached:
            ws.write_formula(r, 6, f"={balance}+0", None, float(balance))
        else:
            ws.write_formula(r, 6, f"={balance}+0")
    wb.close()
    return path


def test_formulas_saved_with_their_values_are_read_by_value(tmp_path, npl_import, ids):
    code, report, err = npl_import("loans", loans_with_formula_balances(tmp_path / "f.xlsx", ids, cached=True), *AS_OF)
    assert code == 0, err
    assert figures()["L1"] == (Decimal("123456.78"), Decimal("100000.01"))


def test_formulas_never_calculated_refuse_the_file_naming_the_cell(tmp_path, npl_import, ids):
    code, report, err = npl_import("loans", loans_with_formula_balances(tmp_path / "f.xlsx", ids, cached=False), *AS_OF)
    assert code == 2 and report is None
    assert "公式没有计算结果：G2等3个单元格是公式" in err and "打开该文件、保存后再上传" in err
    assert not Loan.objects.exists()


def test_a_formula_without_any_value_refuses_the_file_too(tmp_path, npl_import, ids):
    path = loans_with_formula_balances(tmp_path / "f.xlsx", ids, cached=False)
    # As Apache POI and openpyxl write it: the formula, no value at all, no request to calculate.
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "poi.xlsx", "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>0</v>", b"")
            if info.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            out.writestr(info, data)
    code, report, err = npl_import("loans", tmp_path / "poi.xlsx", *AS_OF)
    assert code == 2 and "公式没有计算结果：G2等3个单元格" in err


# -- 6. upload limits ---------------------------------------------------------------------------------------
def write_bomb(path, megabytes: int):
    """A valid .xlsx (the parts a minimal workbook needs) whose sheet is `megabytes` of repeated rows."""
    book = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
    row = ("<row>" + '<c t="inlineStr"><is><t>0000000000</t></is></c>' * 10 + "</row>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        with zf.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(b"<worksheet><sheetData>")
            for _ in range(megabytes):
                out.write(row * (1024 * 1024 // len(row)))
            out.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_reading(tmp_path, npl_import):
    code, report, err = npl_import("loans", write_bomb(tmp_path / "bomb.xlsx", 20), *AS_OF)
    assert code == 2 and report is None and "压缩比超过 100 倍" in err


def test_unpacked_size_file_size_and_rows_have_limits_in_settings(tmp_path, npl_import, ids, settings):
    settings.NPL_IMPORT_MAX_UNPACKED_MB = 1
    code, _, err = npl_import("loans", write_bomb(tmp_path / "big.xlsx", 2), *AS_OF)
    assert code == 2 and "超过上限 1 MB" in err
    settings.NPL_IMPORT_MAX_ROWS = 2
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "rows.xlsx", loans_sheet(ids, YUAN)), *AS_OF)
    assert code == 2 and "超过上限 2 行" in err and not Loan.objects.exists()
    settings.NPL_IMPORT_MAX_FILE_MB = 0
    code, _, err = npl_import("loans", tmp_path / "rows.xlsx", *AS_OF)
    assert code == 2 and "文件过大" in err


def test_a_sheet_filled_to_its_formats_last_row_is_refused_as_cut_short(tmp_path, npl_import, ids):
    # Excel keeps 65,536 rows in an .xls (1,048,576 in an .xlsx) and drops the rest of a larger export when it
    # saves: data on the last row is a file that was cut, not a file that ended there.
    rows = loans_sheet(ids, YUAN)
    full = rows + [[]] * (65_536 - len(rows) - 1) + [loan_row("L9", ids[3])]
    code, report, err = npl_import("loans", write_xls(tmp_path / "full.xls", full), *AS_OF)
    assert code == 2 and report is None and "第65536行是这种表格文件能容纳的最后一行" in err and "截断" in err
    assert not Loan.objects.exists()
    short = rows + [[]] * (65_536 - len(rows) - 2) + [loan_row("L9", ids[3])]  # one row before the last: whole
    code, report, err = npl_import("loans", write_xls(tmp_path / "short.xls", short), *AS_OF)
    assert code == 0, err
    assert report["created"] == len(YUAN) + 1


def test_files_the_installation_wrote_itself_are_read_past_the_upload_limits(tmp_path, npl_import, ids, settings):
    # The demo's own generated files (a million-loan bank file is 118 MB): the limits guard against files from outside.
    settings.NPL_IMPORT_MAX_ROWS, settings.NPL_IMPORT_MAX_FILE_MB = 2, 0
    path = write_xlsx(tmp_path / "rows.xlsx", loans_sheet(ids, YUAN))
    with own_files():
        code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0, err
    assert report["created"] == len(YUAN) == Loan.objects.count()
    code, _, err = npl_import("loans", path, *AS_OF)  # outside the block the limits hold again
    assert code == 2 and "文件过大" in err


def test_dates_and_figures_still_come_through_a_plain_file(tmp_path, npl_import, ids):
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "p.xlsx", loans_sheet(ids, YUAN)), *AS_OF)
    assert code == 0, err
    assert report["hidden_rows"] == {"count": 0, "rows": []} and report["totals"] is None
    assert Loan.objects.get(loan_no="L1").issue_date == dt.date(2019, 3, 15)


def test_a_sloppy_html_export_without_closing_tags_in_utf8_is_read(tmp_path, npl_import, ids):
    rows = loans_sheet(ids, YUAN)
    html = "<table>" + "".join("<tr>" + "".join(f"<td>{v}" for v in row) for row in rows) + "</table>"
    path = tmp_path / "web.xls"
    path.write_bytes(html.encode("utf-8"))
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0 and report["created"] == 3, err


def test_hidden_rows_of_an_old_xls_are_listed_too(tmp_path, npl_import, ids):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(loans_sheet(ids, YUAN)):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    ws.row(3).hidden = True  # L3, row 4 as Excel shows it
    path = tmp_path / "old.xls"
    wb.save(str(path))
    code, report, err = npl_import("loans", path, *AS_OF)
    assert code == 0 and report["created"] == 3, err
    assert report["hidden_rows"] == {"count": 1, "rows": [4]}
