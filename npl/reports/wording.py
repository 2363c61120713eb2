"""The seed's sentences, filled with figures: section 一 (完成情况) and section 二 (the nine categories).

Amounts are written as the seed writes them: 万元 with trailing zeros dropped (30万元, 9.8万元).
"""
from decimal import Decimal

from npl.categories.measures import MEASURES
from npl.core.money import fmt_wan_plain

NUMERALS = "一二三四五六七八九十"


def _n(row) -> str:
    return f"{row['count']}笔、{fmt_wan_plain(Decimal(row['amount']))}万元"


def subject_for(scope_is_township: bool) -> str:
    """我镇 in a township's report, 全区 in the district's."""
    return "我镇" if scope_is_township else "全区"


def measure_for(code: str, subject: str = "我镇") -> str:
    """A category's suggested measures as the reader's unit says them: the seed is a township's text (我镇);
    the district's report asks on behalf of its townships (核减各乡镇工作任务)."""
    text = MEASURES[code]
    return text if subject == "我镇" else text.replace("我镇", "各乡镇")


def summary_sentence(s: dict, subject: str = "我镇") -> str:
    """一、完成情况 as the seed writes it, from a campaign summary (INTAKE.md shape)."""
    return (
        f"{subject}目前有清收任务{s['task_count']}笔、{fmt_wan_plain(Decimal(s['task_amount']))}万元。"
        f"截止目前，{subject}已清收{s['collected_count']}笔（含部分还款）、{fmt_wan_plain(Decimal(s['collected_amount']))}万元，"
        f"剩余清收金额{fmt_wan_plain(Decimal(s['remaining_amount']))}万元，清收率{s['recovery_rate']}%。"
    )


def category_paragraphs(report: dict, *, subject: str = "我镇", threshold=None, measures: bool = True) -> list[str]:
    """One paragraph per category in the seed's wording pattern, numbered （一）…（九）."""
    rows = {c["code"]: c for c in report["categories"]}
    subs = {s["code"]: s for c in report["categories"] for s in c.get("subcategories", [])}
    threshold_text = f"{fmt_wan_plain(threshold)}万元" if threshold is not None else "100万元"
    texts = {}
    if "public_servant" in rows:
        texts["public_servant"] = ("“公职人员贷款”", f"{subject}现有公职人员不良贷款清收任务{_n(rows['public_servant'])}。")
    if "impersonated_or_staff" in rows:
        texts["impersonated_or_staff"] = (
            "“冒名及农合行职工借名贷款”",
            f"{subject}现有冒名顶替贷款{_n(subs['impersonated'])}，农合行职工贷款{_n(subs['bank_staff'])}未完成清收任务。",
        )
    if "special_household" in rows:
        texts["special_household"] = (
            "“特殊户（低保户、残疾人、脱贫人口、借款人已移民）贷款”",
            f"现有低保户贷款{_n(subs['dibao'])}；属残疾人贷款{_n(subs['disabled'])}；"
            f"属脱贫人口贷款{_n(subs['poverty'])}；借款人已移民{_n(subs['emigrated'])}。",
        )
    if "deceased" in rows:
        texts["deceased"] = ("“借款人已死亡贷款”", f"借款人已死亡{_n(rows['deceased'])}。")
    if "imprisoned" in rows:
        texts["imprisoned"] = ("“借款人在服刑贷款”", f"借款人正在服刑的{_n(rows['imprisoned'])}。")
    if "lost_contact" in rows:
        texts["lost_contact"] = ("“借款人无法联系贷款”", f"{subject}仍有{_n(rows['lost_contact'])}借款人经多方联系失联。")
    if "nominal_household" in rows:
        texts["nominal_household"] = ("“空挂户贷款”", f"{subject}空挂户贷款现有{_n(rows['nominal_household'])}。")
    if "litigation" in rows:
        texts["litigation"] = (
            "“涉诉贷款”",
            f"涉及法院起诉{_n(rows['litigation'])}，其中本人起诉银行{_n(subs['borrower_sued_bank'])}、"
            f"银行起诉本人{_n(subs['bank_sued_borrower'])}。",
        )
    if "large_mortgage" in rows:
        texts["large_mortgage"] = (
            "“大额抵押贷款”",
            f"大额贷款（{threshold_text}）以上的抵押贷款涉及{_n(rows['large_mortgage'])}。",
        )
    out = []
    for i, code in enumerate(c["code"] for c in report["categories"]):
        title, body = texts[code]
        measure = measure_for(code, subject) if measures else ""
        out.append(f"（{NUMERALS[i]}）{title}。{body}{measure}")
    return out


SECTION_TWO_INTRO = (
    "{subject}将特殊不良贷款按照清收对象化分为九类，分别为“公职人员贷款”“冒名及农合行职工贷款”"
    "“特殊户（低保户、残疾人、脱贫人口、借款人已移民）贷款”“借款人已死亡贷款”“借款人在服刑贷款”"
    "“借款人无法联系贷款”“空挂户贷款”“涉诉贷款”“大额抵押贷款”等。下面，为推进工作，分别提出一些意见建议。"
)
