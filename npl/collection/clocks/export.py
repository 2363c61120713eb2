"""The clock alert lists as an Excel workbook (时效预警导出): every row of the page's lists, deadlines extended past
rest days with their nominal day and reason (民法典 art. 203), names masked, money in 元."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import xlsxwriter

from npl.collection.clocks.rules import STATUS_LABELS

GROUP_ORDER = ("lapsed", "due_1m", "due_3m", "due_6m")


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def clock_alerts_workbook(scope: str, as_of: dt.date, alerts: dict) -> bytes:
    """Four sheets — 诉讼时效, 申请执行期限, 保证期间, 保证人诉讼时效 — from the alert page's lists (collection.views._alerts)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1, "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0.00"})

    def sheet(name: str, header: list[str], rows: list[list], widths: list[int]):
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, f"{scope}法律时效预警·{name}（截至{as_of:%Y-%m-%d}）", title)
        ws.write_string(1, 0, "届满日遇周末或法定节假日顺延至其后第一个工作日（民法典第203条）；名义届满日为顺延前的日期。")
        for c, text in enumerate(header):
            ws.write_string(3, c, text, head)
            ws.set_column(c, c, widths[c])
        for r, row in enumerate(rows, start=4):
            for c, value in enumerate(row):
                if isinstance(value, Decimal):  # an amount in 元: a number cell, as the other workbooks write it
                    ws.write_number(r, c, float(value), money)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(4, 1)

    limitation = []
    for code in GROUP_ORDER:
        for loan, clock in alerts["groups"][code]:
            limitation.append([
                loan.loan_no, loan.township.name, loan.borrower.masked_name, loan.principal_balance,
                STATUS_LABELS[code], _day(clock.deadline), _day(clock.nominal_deadline), clock.deadline_reason,
                clock.basis_label, "需法务复核" if clock.needs_legal_review else "",
            ])
    sheet("诉讼时效", ["借据号", "乡镇", "借款人", "本金余额（元）", "状态", "时效届满日", "名义届满日", "顺延说明", "起算依据", "提示"],
          limitation, [16, 10, 8, 14, 12, 12, 12, 40, 22, 12])
    enforcement = [
        [loan.loan_no, loan.township.name, loan.borrower.masked_name, clock.enforcement_status_label,
         _day(clock.enforcement_deadline), _day(clock.enforcement_nominal_deadline), clock.enforcement_reason]
        for loan, clock in alerts["enforcement"]
    ]
    sheet("申请执行期限", ["借据号", "乡镇", "借款人", "状态", "申请执行期限届满日", "名义届满日", "顺延说明"],
          enforcement, [16, 10, 8, 12, 16, 12, 40])
    guarantees = [
        [loan.loan_no, loan.township.name, g.name, g.status_label, _day(g.ends_on), _day(g.nominal_ends_on), g.ends_reason]
        for loan, g in alerts["guarantees"]
    ]
    sheet("保证期间", ["借据号", "乡镇", "保证人", "状态", "保证期间届满日", "名义届满日", "顺延说明"], guarantees, [16, 10, 8, 12, 14, 12, 40])
    claims = [
        [loan.loan_no, loan.township.name, g.name, g.own_status_label, _day(g.own_from), _day(g.own_deadline),
         _day(g.own.nominal), g.own.reason]
        for loan, g in alerts["guarantor_claims"]
    ]
    sheet("保证人诉讼时效", ["借据号", "乡镇", "保证人", "状态", "要求承担保证责任日", "届满日", "名义届满日", "顺延说明"],
          claims, [16, 10, 8, 12, 16, 12, 12, 40])
    wb.close()
    return buf.getvalue()
