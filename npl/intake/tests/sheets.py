"""Write small intake files for tests: .xlsx (XlsxWriter), .xls (xlwt) and .csv in a chosen encoding."""
import csv
import datetime as dt
import io

import xlsxwriter

LOAN_HEADER = ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"]


class Formula:
    """A real formula cell with a cached result, as Excel leaves it."""

    def __init__(self, formula: str, cached):
        self.formula, self.cached = formula, cached


class ErrorCell:
    """An error cell (#N/A, #REF!…) as a formula whose cached value is the error."""

    def __init__(self, code: str):
        self.code = code


def write_xlsx(path, rows):
    """Each cell keeps its Python type: str → text, int/float → number, bool → boolean, date → date cell;
    Formula and ErrorCell become real formula cells."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Formula):
                ws.write_formula(r, c, value.formula, None, value.cached)
            elif isinstance(value, ErrorCell):
                ws.write_formula(r, c, "=NA()", None, value.code)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    wb.close()
    return path


def write_xls(path, rows):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    wb.save(str(path))
    return path


def write_csv(path, rows, encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf).writerows([["" if v is None else v for v in row] for row in rows])
    data = buf.getvalue()
    if encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))
    else:
        path.write_bytes(data.encode(encoding))
    return path


def loan_row(loan_no, id_number, *, name="张三", town="柳溪镇", branch="柳溪支行", amount="100000", balance="80000",
             issue="2019-03-15", maturity="2022-03-15", guarantee="保证"):
    return [loan_no, name, id_number, town, branch, amount, balance, issue, maturity, guarantee]
