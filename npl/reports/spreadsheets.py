"""Excel workbooks (XlsxWriter): the category table and a campaign's progress per unit."""
import io
import re
from decimal import Decimal

import xlsxwriter

from npl.collection.choices import Channel
from npl.core.money import to_wan


def _book():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1, "text_wrap": True}),
        "text": wb.add_format({"border": 1}),
        "int": wb.add_format({"border": 1, "num_format": "0"}),
        "money": wb.add_format({"border": 1, "num_format": "#,##0.00"}),
        "sub": wb.add_format({"border": 1, "indent": 1}),
    }
    return buf, wb, fmt


def category_xlsx(report: dict) -> bytes:
    """九类特殊贷款: 笔数, 户数, 金额（元）, 金额（万元, rounded after summing）."""
    buf, wb, f = _book()
    ws = wb.add_worksheet("九类特殊贷款")
    ws.write(0, 0, f"{report['scope']}九类特殊不良贷款统计表（截至{report['as_of']}）", f["title"])
    heads = ["类别", "笔数", "户数", "本金余额（元）", "本金余额（万元）"]
    for c, h in enumerate(heads):
        ws.write(2, c, h, f["head"])
    r = 3
    for cat in report["categories"]:
        for row, style in [(cat, f["text"])] + [(s, f["sub"]) for s in cat.get("subcategories", [])]:
            label = row["name"] if style is f["text"] else f"其中：{row['name']}"
            ws.write(r, 0, label, style)
            ws.write_number(r, 1, row["count"], f["int"])
            ws.write_number(r, 2, row.get("households", 0), f["int"])
            ws.write_number(r, 3, float(Decimal(row["amount"])), f["money"])
            ws.write_number(r, 4, float(Decimal(row["amount_wan"])), f["money"])
            r += 1
    ws.write(r + 1, 0, "说明：一笔贷款可同时属于多个类别；类别笔数按贷款去重，子类分别计数；金额按元合计后折算万元（四舍五入）。")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 2, 8)
    ws.set_column(3, 4, 18)
    wb.close()
    return buf.getvalue()


CAMPAIGN_HEADS = ["排名", "单位", "任务笔数", "任务金额（万元）", "已清收笔数（含部分还款）", "已清收金额（万元）",
                  "剩余清收金额（万元）", "清收率（%）", "收回利息（万元）"] + [f"其中{c.label}（万元）" for c in Channel]


def campaign_xlsx(title: str, sheets: list[tuple[str, list[tuple[str, dict]]]], total: dict) -> bytes:
    """One sheet per breakdown (乡镇, 社区/村, 责任人): rows (unit name, figures) ranked by recovery rate."""
    buf, wb, f = _book()
    for sheet_name, rows in sheets:
        ws = wb.add_worksheet(re.sub(r"[\[\]:*?/\\]", "、", sheet_name)[:31])
        ws.write(0, 0, title, f["title"])
        for c, h in enumerate(CAMPAIGN_HEADS):
            ws.write(2, c, h, f["head"])
        r = 3
        for rank, (name, figs) in enumerate([*rows, ("合计", total)], start=1):
            ws.write(r, 0, rank if name != "合计" else "", f["text"])
            ws.write(r, 1, name, f["text"])
            ws.write_number(r, 2, figs["task_count"], f["int"])
            ws.write_number(r, 3, float(to_wan(figs["task_amount"])), f["money"])
            ws.write_number(r, 4, figs["collected_count"], f["int"])
            ws.write_number(r, 5, float(to_wan(figs["collected_amount"])), f["money"])
            ws.write_number(r, 6, float(to_wan(figs["remaining_amount"])), f["money"])
            ws.write_number(r, 7, float(figs["recovery_rate"]), f["money"])
            ws.write_number(r, 8, float(to_wan(figs["interest_collected"])), f["money"])
            for i, ch in enumerate(Channel):
                ws.write_number(r, 9 + i, float(to_wan(figs["collected_by_channel"][ch.value])), f["money"])
            r += 1
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 20)
        ws.set_column(2, 8 + len(Channel), 14)
    wb.close()
    return buf.getvalue()
