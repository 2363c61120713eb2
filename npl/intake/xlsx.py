"""Workbooks the intake pages hand out: a blank template per kind and a batch's refused rows to fix.

Both are written with XlsxWriter. Key columns (ID numbers, loan numbers, serials) are written and
formatted as text so Excel never turns an 18-digit ID into a number and loses its last digits.
"""
import datetime as dt
import io

import xlsxwriter

from npl.categories.choices import LOAN_LIST_KINDS, ROSTER_KINDS
from npl.intake.choices import ImportKind, Reason
from npl.intake.headers import HEADER_SEARCH_ROWS, WAN, find_header, resolve_overrides
from npl.intake.importers import importer_for
from npl.intake.normalize import is_blank, text
from npl.intake.readers import iter_rows

# Columns that must stay text in Excel (by importer field name).
TEXT_FIELDS = {"loan_no", "id_number", "contract_no", "phone", "txn_no", "case_no", "enforcement_case_no"}
DATE_FIELDS = {"issue_date", "maturity_date", "death_date", "release_date", "filed_on", "accepted_on", "judgment_on",
               "paid_on", "acted_on", "promise_date"}
AMOUNT_FIELDS = {"amount", "balance", "interest", "principal", "promise_amount"}

DATE_FORMS = "日期可写作 2019-03-15、2019/3/15、2019.03.15、20190315、2019年3月15日，或 Excel 日期"
AMOUNT_FORM = "单位：元，精确到分；可带千分位逗号或“元”字；不能为负数"

# What each column means and accepts (field → (explanation, example)).
FIELD_HINTS = {
    "loan_no": ("借据号（借据编号、贷款账号），每笔贷款唯一，请按文本填写", "8103070000158"),
    "borrower_name": ("借款人姓名；姓名中的空格会被去掉", "张三"),
    "name": ("姓名；与身份证号对应", "张三"),
    "id_number": ("18位身份证号，按文本填写（单元格格式设为“文本”）；15位老号码会自动转为18位；末位 x 大小写均可", "610523198001011234"),
    "township": ("所属乡镇，须是系统中已有的乡镇名称", "柳溪镇"),
    "branch": ("经办网点名称，须是系统中已有的网点", "柳溪支行"),
    "community": ("所在村或社区", "东村"),
    "amount": ("贷款发放金额，" + AMOUNT_FORM, "200000.00"),
    "balance": ("截至数据日期的本金余额，" + AMOUNT_FORM, "150506.58"),
    "interest": ("欠息金额，" + AMOUNT_FORM, "17519.38"),
    "issue_date": ("发放日期；" + DATE_FORMS, "2019-03-15"),
    "maturity_date": ("到期日期，不得早于发放日期；" + DATE_FORMS, "2022-03-15"),
    "guarantee": ("担保方式，自由填写；含“抵押”即视为有抵押（如“抵押+保证”）", "抵押+保证"),
    "contract_no": ("借款合同号", "农合借字2019第0001号"),
    "phone": ("联系电话或手机号，按文本填写", "13900000000"),
    "classification": ("五级分类：正常、关注、次级、可疑、损失", "可疑"),
    "rate": ("执行年利率（%）", "10.8"),
    "account_manager": ("管户客户经理姓名", "李四"),
    "work_unit": ("工作单位（公职人员名单）", "某某镇人民政府"),
    "death_date": ("死亡日期（死亡人员名单）；" + DATE_FORMS, "2024-05-01"),
    "release_date": ("刑满释放日期（服刑人员名单）；" + DATE_FORMS, "2027-12-31"),
    "actual_residence": ("实际居住地（空挂户名单）", "某省某市某区"),
    "moved_to": ("迁入地（已移民名单）", "某县某镇"),
    "note": ("备注", ""),
    "type": ("类型：冒名顶替，或 农合行职工 / 职工借名", "冒名顶替"),
    "direction": ("诉讼类型：银行起诉借款人，或 借款人起诉银行", "银行起诉借款人"),
    "case_no": ("案号", "（2026）陕0523民初101号"),
    "court": ("受理法院", "西岭区人民法院"),
    "filed_on": ("起诉日期（不填则按数据日期计）；" + DATE_FORMS, "2026-02-10"),
    "accepted_on": ("立案日期；" + DATE_FORMS, "2026-02-20"),
    "judgment_on": ("判决或调解日期；" + DATE_FORMS, "2026-05-20"),
    "enforcement_case_no": ("执行案号", "（2026）陕0523执100号"),
    "stage": ("当前阶段：已起诉、已立案、审理中、已判决、已调解、执行中、终结本次执行、已结案", "已立案"),
    "txn_no": ("银行交易流水号，每笔还款唯一，按文本填写", "20260401000123"),
    "paid_on": ("还款日期；" + DATE_FORMS, "2026-04-01"),
    "principal": ("归还本金，" + AMOUNT_FORM, "5000.00"),
    "channel": ("还款方式：现金、转账、借新还旧、转贷、法院执行、抵押物处置、以物抵债、其他（不填为现金）", "转账"),
    "acted_on": ("催收日期；" + DATE_FORMS, "2026-04-02"),
    "method": ("催收方式：上门催收、电话催收、短信催收、信函催收、律师函、登报公告、其他", "上门催收"),
    "signature": ("签收情况：借款人签收、家属签收、未签收、拒签（决定诉讼时效是否中断）", "借款人签收"),
    "collector_name": ("催收人姓名", "王五"),
    "outcome": ("催收结果", "承诺月底前还款"),
    "promise_date": ("承诺还款日期；" + DATE_FORMS, "2026-04-30"),
    "promise_amount": ("承诺还款金额，" + AMOUNT_FORM, "10000.00"),
}

GENERAL_NOTES = [
    "第一行是表头；表头上方可以有标题行、“统计日期：2026年03月31日”、“单位：元”等（表头须在前10行内）。",
    "列的顺序不限；带 * 的列必须有，其余列可以删去；系统不认识的列会被忽略并在导入报告中列出。",
    "空行会被跳过；含“合计”“总计”的合计行不作为数据导入，但会与各行相加核对，不符则整个文件不导入；“小计”行跳过。",
    "金额按元填写；若按万元填写，请在表头写明单位（如“贷款余额（万元）”）或在表头上方写“单位：万元”，系统会精确换算为元。",
    "身份证号、借据号、流水号等请保持文本格式，不要存成数字（数字会丢失末位，整行会被拒绝）。",
    AMOUNT_FORM + "。",
    DATE_FORMS + "。",
    "上传后系统先试导入并列出每一行的问题，确认后才写入；同一文件重复导入不会重复记录。",
]


def kind_title(kind: str, sub_kind: str = "") -> str:
    """The Chinese name of a kind (a roster or loan list by its own name)."""
    if kind == "roster" and sub_kind in ROSTER_KINDS:
        return ROSTER_KINDS[sub_kind]
    if kind == "loan-list" and sub_kind in LOAN_LIST_KINDS:
        return LOAN_LIST_KINDS[sub_kind]
    return ImportKind(kind).label


def _importer(kind: str, sub_kind: str = ""):
    # Every roster kind (and loan list) shares its columns: any valid sub-kind gives the same template.
    allowed = {"roster": ROSTER_KINDS, "loan-list": LOAN_LIST_KINDS}.get(kind)
    if allowed is None:
        return importer_for(kind)
    return importer_for(kind, sub_kind if sub_kind in allowed else next(iter(allowed)))


def _formats(wb):
    return {
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "amount": wb.add_format({"num_format": "#,##0.00"}),
        "head": wb.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1}),
        "head_required": wb.add_format({"bold": True, "bg_color": "#FBEAEA", "font_color": "#A61B1B", "border": 1}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "bold": wb.add_format({"bold": True}),
    }


def _column_format(field: str, fmt: dict):
    if field in TEXT_FIELDS:
        return fmt["text"]
    if field in DATE_FIELDS:
        return fmt["date"]
    if field in AMOUNT_FIELDS:
        return fmt["amount"]
    return None


def blank_template(kind: str, sub_kind: str = "") -> bytes:
    """A blank .xlsx for `kind`: its columns (required ones marked *), text-formatted key columns, and a
    second sheet 填写说明 explaining every column with an example."""
    columns = _importer(kind, sub_kind).columns
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _formats(wb)
    ws = wb.add_worksheet("导入模板")
    for c, col in enumerate(columns):
        label = f"*{col.label}" if col.required else col.label
        ws.write_string(0, c, label, fmt["head_required"] if col.required else fmt["head"])
        hint = FIELD_HINTS.get(col.field, ("", ""))[0]
        if hint:
            ws.write_comment(0, c, hint, {"x_scale": 2, "y_scale": 1.5})
        width = 22 if col.field in TEXT_FIELDS else 14
        ws.set_column(c, c, width, _column_format(col.field, fmt))
    ws.freeze_panes(1, 0)

    notes = wb.add_worksheet("填写说明")
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 26)
    notes.set_column(3, 3, 60)
    notes.set_column(4, 4, 26)
    notes.write_string(0, 0, f"{kind_title(kind, sub_kind)}：填写说明", fmt["bold"])
    for r, line in enumerate(GENERAL_NOTES, start=1):
        notes.write_string(r, 0, f"{r}. {line}")
    top = len(GENERAL_NOTES) + 2
    for c, head in enumerate(["列名", "必填", "也可写作", "说明", "示例"]):
        notes.write_string(top, c, head, fmt["head"])
    for r, col in enumerate(columns, start=top + 1):
        hint, example = FIELD_HINTS.get(col.field, ("", ""))
        notes.write_string(r, 0, col.label)
        notes.write_string(r, 1, "是" if col.required else "")
        notes.write_string(r, 2, "、".join(col.synonyms))
        notes.write_string(r, 3, hint, fmt["wrap"])
        notes.write_string(r, 4, example, fmt["text"])
    wb.close()
    return out.getvalue()


def _write_cell(ws, r: int, c: int, field: str, value, fmt: dict) -> None:
    """Write an original cell back as the user typed it; key columns always as text."""
    if is_blank(value):
        return
    if field in TEXT_FIELDS:
        ws.write_string(r, c, text(value), fmt["text"])
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, fmt["date"])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt["date"])
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否")
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, str(value))


def refusal_text(refusal: dict) -> str:
    """错误原因 as one cell: the original row, the reason in Chinese and the message."""
    try:
        label = Reason(refusal["reason"]).label
    except ValueError:
        label = refusal["reason"]
    return f"[原第{refusal['row']}行] {label}：{refusal['message']}"


def refused_rows_workbook(batch) -> bytes:
    """The batch's refused rows as they were in its stored file, with a last column 错误原因, ready to
    be corrected and uploaded again. Only the columns the importer knows are kept, under its labels."""
    refused = (batch.report or {}).get("refused") or []
    reasons: dict[int, list[str]] = {}
    for refusal in refused:
        reasons.setdefault(refusal["row"], []).append(refusal_text(refusal))
    importer = _importer(batch.kind, batch.sub_kind)
    path = batch.file.path
    sheet = (batch.options or {}).get("sheet") or None

    first = []
    for row_no, cells in iter_rows(path, sheet):
        first.append((row_no, cells))
        if len(first) >= HEADER_SEARCH_ROWS:
            break
    header = find_header(first, importer.columns, resolve_overrides(importer.columns, (batch.options or {}).get("columns")))
    # Cells are written back as the file had them, so a column read in 万元 keeps saying so in its header:
    # the corrected file must not come back as 元.
    labels = {col.field: f"{col.label}（万元）" if header.units.get(col.field) == WAN else col.label for col in importer.columns}
    fields = sorted(header.index, key=header.index.get)  # in the file's own column order

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _formats(wb)
    ws = wb.add_worksheet("错误行")
    for c, field in enumerate(fields):
        ws.write_string(0, c, labels[field], fmt["head"])
        ws.set_column(c, c, 22 if field in TEXT_FIELDS else 14, _column_format(field, fmt))
    reason_col = len(fields)
    ws.write_string(0, reason_col, "错误原因", fmt["head_required"])
    ws.set_column(reason_col, reason_col, 60)
    ws.freeze_panes(1, 0)
    r = 0
    if reasons:
        last = max(reasons)
        for row_no, cells in iter_rows(path, sheet):
            if row_no > last:
                break
            if row_no <= header.row_no or row_no not in reasons:
                continue
            r += 1
            for c, field in enumerate(fields):
                i = header.index[field]
                _write_cell(ws, r, c, field, cells[i] if i < len(cells) else None, fmt)
            ws.write_string(r, reason_col, "；".join(reasons[row_no]))
    wb.close()
    return out.getvalue()
