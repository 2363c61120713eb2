"""Excel workbooks (XlsxWriter): the category table and a campaign's progress per unit.

Every text cell is written as text: names come from imported data, and a village called `=HYPERLINK(…)` must
stay a name, never become a live formula (CSV/formula injection). The workbook options say it once for
every `write`; names are written with `write_string` besides.
"""
import io
import re
from decimal import Decimal

import xlsxwriter

from npl.collection.choices import Channel
from npl.core.money import to_wan

# strings_to_formulas off: "=…" stays text; strings_to_urls off: "http://…" is not made a live link either.
TEXT_ONLY = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def _book():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, TEXT_ONLY)
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
        ws.write_string(0, 0, title, f["title"])
        for c, h in enumerate(CAMPAIGN_HEADS):
            ws.write(2, c, h, f["head"])
        r = 3
        for rank, (name, figs) in enumerate([*rows, ("合计", total)], start=1):
            ws.write(r, 0, rank if name != "合计" else "", f["text"])
            ws.write_string(r, 1, name, f["text"])
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


BULLETIN_XLSX_HEADS = ["排名", "单位", "任务笔数", "任务金额（万元）", "本期清收（万元）", "累计清收笔数", "累计清收（万元）",
                       "剩余（万元）", "清收率（%）", "名次变化", "清收率变化（百分点）", "收回利息（万元）", "催收次数",
                       "到期未履约承诺", "时效预警", "进度滞后", "滞后原因"]


def bulletin_xlsx(content: dict) -> bytes:
    """日调度/周通报 as Excel: the ranking table (万元, rounded after summing in 元) and a native bar chart of rates."""
    buf, wb, f = _book()
    ws = wb.add_worksheet(content["kind_label"])
    ws.write(0, 0, f"{content['scope']}不良贷款清收{content['kind_label']}（{content['label']}，数据截至{content['as_of']}）", f["title"])
    for c, h in enumerate(BULLETIN_XLSX_HEADS):
        ws.write(2, c, h, f["head"])
    r = 3
    for row in [*content["rows"], {**content["total"], "township": "合计", "rank": "", "rank_change": None, "rate_change": None,
                                   "laggard": False, "laggard_reason": ""}]:
        ws.write(r, 0, row["rank"], f["text"])
        ws.write_string(r, 1, row["township"], f["text"])
        ws.write_number(r, 2, row["task_count"], f["int"])
        for c, key in ((3, "task_amount"), (4, "collected_period"), (6, "collected_amount"), (7, "remaining_amount"), (11, "interest")):
            ws.write_number(r, c, float(to_wan(Decimal(row[key]))), f["money"])
        ws.write_number(r, 5, row["collected_count"], f["int"])
        ws.write_number(r, 8, float(Decimal(row["rate"])), f["money"])
        ws.write(r, 9, "" if row["rank_change"] is None else row["rank_change"], f["int"])
        ws.write(r, 10, "" if row["rate_change"] is None else float(Decimal(row["rate_change"])), f["money"])
        ws.write_number(r, 12, row["actions"], f["int"])
        ws.write_number(r, 13, row["promises_due"], f["int"])
        ws.write_number(r, 14, row["clocks_at_risk"], f["int"])
        ws.write(r, 15, "是" if row["laggard"] else "", f["text"])
        ws.write_string(r, 16, row["laggard_reason"], f["text"])
        r += 1
    n = len(content["rows"])
    ws.write(r + 1, 0, f"说明：{'；'.join(content['texts'])}")
    ws.write(r + 2, 0, f"名次与清收率变化对比：{content['compared_with'] or '无'}；进度滞后：{content['rule']}；利息另计，不计入清收率。")
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 15, 12)
    ws.set_column(16, 16, 40)
    if n:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "清收率（%）", "categories": [ws.name, 3, 1, 2 + n, 1], "values": [ws.name, 3, 8, 2 + n, 8],
                          "data_labels": {"value": True}})
        chart.set_title({"name": "各单位清收率（%）"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        ws.insert_chart(r + 4, 1, chart, {"x_scale": 1.4, "y_scale": 1.2})
    sheet = wb.add_worksheet("清收率走势")
    sheet.write(0, 0, "日期", f["head"])
    sheet.write(0, 1, "全区清收率（%）", f["head"])
    for i, (day, rate) in enumerate(content["trend"], start=1):
        sheet.write(i, 0, day, f["text"])
        sheet.write_number(i, 1, float(Decimal(rate)), f["money"])
    sheet.set_column(0, 1, 16)
    if content["trend"]:
        line = wb.add_chart({"type": "line"})
        m = len(content["trend"])
        line.add_series({"name": "全区清收率（%）", "categories": [sheet.name, 1, 0, m, 0], "values": [sheet.name, 1, 1, m, 1]})
        line.set_title({"name": "全区清收率走势"})
        line.set_legend({"none": True})
        sheet.insert_chart(1, 3, line, {"x_scale": 1.5})
    wb.close()
    return buf.getvalue()
