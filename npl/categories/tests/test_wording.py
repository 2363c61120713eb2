"""Section 二 and the 完成情况 sentence in the seed's own wording, figures filled in."""
import io
from decimal import Decimal

from docx import Document

from npl.reports.documents import township_report_docx
from npl.reports.wording import category_paragraphs, summary_sentence


def _row(code, name, count, amount, subs=()):
    row = {"code": code, "name": name, "count": count, "amount": amount, "amount_wan": ""}
    if subs:
        row["subcategories"] = [_row(*s) for s in subs]
    return row


REPORT = {
    "scope": "柳溪镇",
    "as_of": "2026-03-31",
    "categories": [
        _row("special_household", "特殊户贷款", 101, "12884100.00", [
            ("dibao", "低保户", 90, "11791400.00"), ("disabled", "残疾人", 7, "694300.00"),
            ("poverty", "脱贫人口", 3, "300000.00"), ("emigrated", "已移民", 1, "98000.00"),
        ]),
        _row("large_mortgage", "大额抵押贷款", 22, "95356800.00"),
    ],
}


def test_the_special_household_paragraph_reads_like_the_seed():
    first, second = category_paragraphs(REPORT, subject="我镇", threshold=Decimal("1000000"))
    assert first.startswith("（一）“特殊户（低保户、残疾人、脱贫人口、借款人已移民）贷款”。现有低保户贷款90笔、1179.14万元；"
                            "属残疾人贷款7笔、69.43万元；属脱贫人口贷款3笔、30万元；借款人已移民1笔、9.8万元。")
    assert first.endswith("对于这些贷款建议最大限度减免罚息、利息。")
    assert second.startswith("（二）“大额抵押贷款”。大额贷款（100万元）以上的抵押贷款涉及22笔、9535.68万元。")


def test_the_completion_sentence_follows_the_seed():
    s = {"task_count": 303, "task_amount": "94593037.07", "collected_count": 50, "collected_amount": "8175367.79",
         "remaining_amount": "86417669.28", "recovery_rate": "8.64", "campaign": "攻坚行动"}
    assert summary_sentence(s) == (
        "我镇目前有清收任务303笔、9459.3万元。截止目前，我镇已清收50笔（含部分还款）、817.54万元，"
        "剩余清收金额8641.77万元，清收率8.64%。"
    )


def test_the_township_report_has_the_seeds_sections():
    s = {"task_count": 1, "task_amount": "10000.00", "collected_count": 0, "collected_amount": "0.00",
         "remaining_amount": "10000.00", "recovery_rate": "0.00", "campaign": "攻坚行动"}
    doc = Document(io.BytesIO(township_report_docx(scope="柳溪镇", subject="我镇", as_of="2026-03-31", summary=s, report=REPORT)))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "柳溪镇不良贷款清收工作情况汇报"
    for heading in ("一、完成情况", "二、关于清收特殊不良贷款的意见建议", "三、工作中存在的困难问题及意见建议", "四、下一步工作打算"):
        assert heading in text
    assert text[text.index("一、完成情况") + 1].startswith("我镇目前有清收任务1笔、1万元。")


def test_the_district_asks_for_its_townships_and_a_township_for_itself():
    report = {"categories": [_row("impersonated_or_staff", "冒名及农合行职工借名贷款", 3, "90000.00", [
        ("impersonated", "冒名顶替", 2, "60000.00"), ("bank_staff", "农合行职工", 1, "30000.00")])]}
    [district] = category_paragraphs(report, subject="全区")
    [township] = category_paragraphs(report, subject="我镇")
    assert "我镇" not in district and "建议核减各乡镇工作任务" in district
    assert "建议核减我镇工作任务" in township
