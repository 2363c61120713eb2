"""Roll-ups for a city's or province's finance office (市/省金融办): its districts side by side, one row each.

Three pages, each read from what is already stored (no engine, no clock computed on the page):
- the nine categories: today's `categories.Membership` rows (live: balance > 0) grouped by district and code;
- the legal clocks: today's `collection.LoanClock` rows counted by district and status, settled loans left out
  as the district's clock page leaves them;
- the campaigns: each district's current campaign (`bulletins.default_campaign`) from its latest daily snapshot
  (`DailyFigure`), summed over its townships as the district's bulletin sums them, ranked by recovery rate.

A district's row equals that district's own page (category report, clock page, campaign): its name links there
with `?district=<id>`, read-only. Only region offices reach these pages; anyone else is told they do not exist.
"""
from __future__ import annotations

from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from npl.accounts.scope import region_district, region_districts  # noqa: F401  (the pages' one rule)
from npl.categories.choices import CATEGORIES
from npl.collection.clocks import STATUS_LABELS
from npl.core.money import ZERO, fmt_wan, percent
from npl.loans.balances import aggregate_over, col, from_cents, sum_cents
from npl.reports.models import DailyFigure
from npl.reports.snapshots import AT_RISK, active_campaigns

# Category columns: each category, then its subcategories (其中), in DOMAIN order.
COLUMNS = [(c.code, c.name, False) for cat in CATEGORIES for c in (cat, *cat.subcategories)]
TOP_CODES = [cat.code for cat in CATEGORIES]
SUB_CODES = {s.code for cat in CATEGORIES for s in cat.subcategories}
CLOCK_STATUSES = list(STATUS_LABELS)


def _cell(n: int, h: int, a) -> dict:
    """笔, 户 and the amount (summed in cents) as a page shows them."""
    amount = from_cents(a)
    return {"count": n or 0, "households": h or 0, "amount": amount, "amount_wan": fmt_wan(amount)}


def _stored_unit(district_ids: list[int]):
    """The unit of `categories.totals` whose memberships are those of exactly these districts (everything, or a
    省/市's districts), else None."""
    from npl.loans.models import HouseholdLevel as Level
    from npl.org.models import District, Region

    wanted = set(district_ids)
    if wanted == set(District.objects.values_list("pk", flat=True)):
        return Level.ALL, 0
    for region in Region.objects.filter(Q(own_districts__in=wanted) | Q(children__own_districts__in=wanted)).distinct():
        if set(region.districts().values_list("pk", flat=True)) == wanted:
            return Level.REGION, region.pk
    return None


def _membership_figures(district_ids: list[int], *, by_district: bool) -> list[dict]:
    """Memberships (笔, 户, 元 in cents) per code, and per district when asked: each district's, and the region's
    total when the districts are a 省/市's or all, from the stored figures (`categories.totals`: households are
    distinct borrowers, not a sum); otherwise counted in one GROUP BY."""
    from npl.categories.models import CategoryTotal
    from npl.loans.models import HouseholdLevel as Level

    if not district_ids:
        return []
    unit = None if by_district else _stored_unit(district_ids)
    if not by_district and unit is None:
        return counted_figures(district_ids, by_district=False)
    rows = (CategoryTotal.objects.filter(level=Level.DISTRICT, unit__in=district_ids) if by_district
            else CategoryTotal.objects.filter(level=unit[0], unit=unit[1]))
    return [{"district": r["unit"] if by_district else None, "code": r["code"], "n": r["loans"], "h": r["households"],
             "a": r["amount_cents"]} for r in rows.values("unit", "code", "loans", "households", "amount_cents")]


def counted_figures(district_ids: list[int], *, by_district: bool) -> list[dict]:
    """`_membership_figures` counted over the live memberships: one GROUP BY."""
    from npl.categories.models import Membership

    inner = (
        Membership.objects.filter(balance__gt=0, township__district_id__in=district_ids)
        .annotate(district=F("township__district_id"), borrower=F("loan__borrower_id"))
        .values("district", "code", "balance", "borrower")
    )
    group = ("district", "code") if by_district else ("code",)
    return aggregate_over(
        inner, {"n": "COUNT(*)", "h": f"COUNT(DISTINCT {col('borrower')})", "a": sum_cents(col("balance"))},
        group_by=group,
    )


def category_rollup(districts: list) -> dict:
    """Per district: each category's 笔数, 户数, 本金余额 (元 and 万元) today; the region's total beside them (a
    borrower with loans in two districts is one household of the total)."""
    ids = [d.pk for d in districts]
    found = {(r["district"], r["code"]): r for r in _membership_figures(ids, by_district=True)}
    total = {r["code"]: r for r in _membership_figures(ids, by_district=False)}
    zero = {"n": 0, "h": 0, "a": None}
    rows = []
    for d in districts:
        cells = {code: _cell(**{k: found.get((d.pk, code), zero)[k] for k in "nha"}) for code, _, _ in COLUMNS}
        rows.append({"district": d, "cells": cells, "top": [cells[c] for c in TOP_CODES]})
    total_cells = {code: _cell(**{k: total.get(code, zero)[k] for k in "nha"}) for code, _, _ in COLUMNS}
    return {
        "columns": [(code, name, code in SUB_CODES) for code, name, _ in COLUMNS],
        "top_columns": [(cat.code, cat.name) for cat in CATEGORIES],
        "rows": rows,
        "total": {"cells": total_cells, "top": [total_cells[c] for c in TOP_CODES]},
    }


def clock_rollup(districts: list) -> dict:
    """Per district: its loans by limitation status today (the clocks' stored totals, `collection.clocks.totals`,
    as each district's clock page counts them; settled loans need no clock), the alert groups' sum beside them."""
    from npl.collection.models import ClockTotal

    ids = [d.pk for d in districts]
    counts = {}
    rows_qs = (
        ClockTotal.objects.filter(township__district_id__in=ids, settled=False)
        .values("township__district_id", "status").annotate(n=Sum("loans")).order_by()
    )
    for r in rows_qs:
        counts[(r["township__district_id"], r["status"])] = int(r["n"] or 0)
    rows, total = [], dict.fromkeys(CLOCK_STATUSES, 0)
    for d in districts:
        by_status = {s: counts.get((d.pk, s), 0) for s in CLOCK_STATUSES}
        for s, n in by_status.items():
            total[s] += n
        rows.append(_clock_row(by_status, district=d))
    return {"statuses": [(s, STATUS_LABELS[s]) for s in CLOCK_STATUSES], "rows": rows, "total": _clock_row(total)}


def _clock_row(by_status: dict, district=None) -> dict:
    return {"district": district, "counts": [by_status[s] for s in CLOCK_STATUSES], "by_status": by_status,
            "at_risk": sum(by_status[s] for s in AT_RISK), "loans": sum(by_status.values())}


def current_campaigns(districts: list) -> dict:
    """district id → its current campaign as `bulletins.default_campaign(district=…)` picks it (the latest running
    today, else the latest of all), for every district at once: two queries whatever their number."""
    from npl.campaigns.models import Campaign

    ids = [d.pk for d in districts]
    out = {}
    for qs in (active_campaigns(timezone.localdate()), Campaign.objects.all()):
        for c in qs.filter(district_id__in=ids).order_by("-baseline", "-pk"):
            out.setdefault(c.district_id, c)
        if len(out) == len(ids):
            break
    return out


def campaign_rollup(districts: list) -> dict:
    """Per district: its current campaign's figures at its latest daily snapshot, summed over the townships as the
    district's bulletin sums them; ranked by recovery rate (ties: collected amount, then name), districts without
    a campaign or a snapshot last. A fixed number of queries whatever the districts."""
    campaigns = current_campaigns(districts)
    ids = [c.pk for c in campaigns.values()]
    latest = dict(DailyFigure.objects.filter(campaign_id__in=ids).values("campaign_id").annotate(day=Max("day"))
                  .values_list("campaign_id", "day").order_by())
    wanted = Q()
    for campaign_id, day in latest.items():
        wanted |= Q(campaign_id=campaign_id, day=day)
    figures = {}
    if latest:
        for f in DailyFigure.objects.filter(wanted):
            figures.setdefault(f.campaign_id, []).append(f)
    rows = []
    for d in districts:
        campaign = campaigns.get(d.pk)
        day = latest.get(campaign.pk) if campaign else None
        rows.append({"district": d, "campaign": campaign, "day": day,
                     **_sum_figures(figures.get(campaign.pk, []) if campaign else [])})
    ranked = sorted(rows, key=lambda r: (r["day"] is None or r["task_count"] == 0, -r["rate"], -r["collected_amount"],
                                         r["district"].name))
    for rank, r in enumerate(ranked, start=1):
        r["rank"] = rank
    total = _sum_figures([])
    for r in rows:
        for k in ("task_count", "task_amount", "collected_count", "collected_amount", "collected_interest"):
            total[k] += r[k]
    return {"rows": ranked, "total": _finish(total)}


def _sum_figures(figures) -> dict:
    out = {"task_count": 0, "task_amount": ZERO, "collected_count": 0, "collected_amount": ZERO, "collected_interest": ZERO}
    for f in figures:
        for k in out:
            out[k] += getattr(f, k)
    return _finish(out)


def _finish(f: dict) -> dict:
    """Remaining, rate and the 万元 forms (rounded after summing in 元)."""
    f["remaining_amount"] = f["task_amount"] - f["collected_amount"]
    f["rate"] = percent(f["collected_amount"], f["task_amount"])
    for k in ("task_amount", "collected_amount", "remaining_amount", "collected_interest"):
        f[f"{k}_wan"] = fmt_wan(f[k])
    return f


# --- Excel (every text cell as text: reports.spreadsheets) ------------------------------------------------

def category_xlsx(region: str, day, figures: dict) -> bytes:
    """各区九类特殊贷款: a district a row; per category (and 其中 subcategory) 笔数, 户数, 本金余额（万元）."""
    from npl.reports.spreadsheets import _book

    buf, wb, f = _book()
    ws = wb.add_worksheet("各区九类特殊贷款")
    ws.write_string(0, 0, f"{region}各区九类特殊不良贷款统计表（截至{day:%Y-%m-%d}）", f["title"])
    ws.merge_range(2, 0, 3, 0, "区", f["head"])
    for i, (_code, name, sub) in enumerate(figures["columns"]):
        c = 1 + 3 * i
        ws.merge_range(2, c, 2, c + 2, f"其中：{name}" if sub else name, f["head"])
        for j, h in enumerate(("笔数", "户数", "本金余额（万元）")):
            ws.write_string(3, c + j, h, f["head"])
    r = 4
    for name, cells in [(row["district"].name, row["cells"]) for row in figures["rows"]] + [("合计", figures["total"]["cells"])]:
        ws.write_string(r, 0, name, f["text"])
        for i, (code, _name, _sub) in enumerate(figures["columns"]):
            cell = cells[code]
            ws.write_number(r, 1 + 3 * i, cell["count"], f["int"])
            ws.write_number(r, 2 + 3 * i, cell["households"], f["int"])
            ws.write_number(r, 3 + 3 * i, float(cell["amount_wan"]), f["money"])
        r += 1
    ws.write_string(r + 1, 0, "说明：一笔贷款可同时属于多个类别；金额按元合计后折算万元（四舍五入）；合计户数按借款人去重。")
    ws.set_column(0, 0, 14)
    ws.set_column(1, 3 * len(figures["columns"]), 10)
    wb.close()
    return buf.getvalue()


def clock_xlsx(region: str, day, figures: dict) -> bytes:
    """各区法律时效: a district a row, its unsettled loans by limitation status."""
    from npl.reports.spreadsheets import _book

    buf, wb, f = _book()
    ws = wb.add_worksheet("各区法律时效")
    ws.write_string(0, 0, f"{region}各区诉讼时效状态统计表（截至{day:%Y-%m-%d}，未结清贷款）", f["title"])
    heads = ["区", *[label for _, label in figures["statuses"]], "预警合计", "贷款笔数"]
    for c, h in enumerate(heads):
        ws.write_string(2, c, h, f["head"])
    r = 3
    for name, row in [(row["district"].name, row) for row in figures["rows"]] + [("合计", figures["total"])]:
        ws.write_string(r, 0, name, f["text"])
        for c, n in enumerate([*row["counts"], row["at_risk"], row["loans"]], start=1):
            ws.write_number(r, c, n, f["int"])
        r += 1
    ws.write_string(r + 1, 0, "说明：预警合计为已届满及6个月内届满的笔数；届满日遇法定休假日顺延。")
    ws.set_column(0, 0, 14)
    ws.set_column(1, len(heads), 12)
    wb.close()
    return buf.getvalue()


CAMPAIGN_HEADS = ["排名", "区", "清收行动", "快照日期", "任务笔数", "任务金额（万元）", "已清收笔数（含部分还款）",
                  "已清收金额（万元）", "剩余清收金额（万元）", "清收率（%）", "收回利息（万元）"]


def campaign_xlsx(region: str, day, figures: dict) -> bytes:
    """各区清收进度: a district a row, ranked by recovery rate, its campaign at its latest snapshot."""
    from npl.reports.spreadsheets import _book

    buf, wb, f = _book()
    ws = wb.add_worksheet("各区清收进度")
    ws.write_string(0, 0, f"{region}各区不良贷款清收进度排名（截至{day:%Y-%m-%d}）", f["title"])
    for c, h in enumerate(CAMPAIGN_HEADS):
        ws.write_string(2, c, h, f["head"])
    r = 3
    for row in [*figures["rows"], {**figures["total"], "rank": "", "district": None, "campaign": None, "day": None}]:
        ws.write(r, 0, row["rank"], f["text"])
        ws.write_string(r, 1, row["district"].name if row["district"] else "合计", f["text"])
        ws.write_string(r, 2, row["campaign"].name if row["campaign"] else "", f["text"])
        ws.write_string(r, 3, row["day"].isoformat() if row["day"] else "", f["text"])
        ws.write_number(r, 4, row["task_count"], f["int"])
        ws.write_number(r, 5, float(row["task_amount_wan"]), f["money"])
        ws.write_number(r, 6, row["collected_count"], f["int"])
        ws.write_number(r, 7, float(row["collected_amount_wan"]), f["money"])
        ws.write_number(r, 8, float(row["remaining_amount_wan"]), f["money"])
        ws.write_number(r, 9, float(row["rate"]), f["money"])
        ws.write_number(r, 10, float(row["collected_interest_wan"]), f["money"])
        r += 1
    ws.write_string(r + 1, 0, "说明：各区取当前清收行动最近一日快照；清收率＝已清收本金÷任务金额；利息另计，不计入清收率。")
    ws.set_column(0, 0, 6)
    ws.set_column(1, 3, 16)
    ws.set_column(4, 10, 14)
    wb.close()
    return buf.getvalue()
