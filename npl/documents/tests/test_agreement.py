"""The repayment agreement (还款协议书) prints the loan's active 一笔一策 plan."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.collection.services import submit_plan
from npl.documents import services
from npl.documents.content import NoPlan
from npl.documents.tests.conftest import pdf_text

DAY = dt.date(2026, 4, 10)


@pytest.fixture
def plan(loans, cast):
    return submit_plan(
        loans["LA001"], cast["collector"], signed_on=dt.date(2026, 4, 1), measures="每季度末到柳溪支行还款",
        instalments=[(dt.date(2026, 6, 30), Decimal("30000.00")), (dt.date(2026, 9, 30), Decimal("20000.50"))],
    )


def test_agreement_lists_each_instalment_and_the_total_in_capitals(plan, loans, cast, read_docx):
    made = services.generate("agreement", [loans["LA001"]], "docx", cast["collector"], as_of=DAY)
    text = read_docx(made.content)
    assert "还款协议书" in text and "张三" in text and "柳溪支行" in text
    assert "第1期\t2026年6月30日\t30,000.00\t叁万元整" in text
    assert "第2期\t2026年9月30日\t20,000.50\t贰万元伍角" in text
    assert "50,000.50" in text and "伍万元伍角" in text
    assert "每季度末到柳溪支行还款" in text
    assert "乙方（签字、捺印）" in text


def test_agreement_pdf_reads_back_the_same_plan(plan, loans, cast):
    made = services.generate("agreement", [loans["LA001"]], "pdf", cast["township_admin"], as_of=DAY)
    text = pdf_text(made.content)
    assert "张三" in text and "伍万元伍角" in text and "2026年9月30日" in text


def test_a_loan_without_a_plan_has_no_agreement_and_nothing_is_logged(loans, cast):
    with pytest.raises(NoPlan) as refused:
        services.generate("agreement", [loans["LA002"]], "docx", cast["township_admin"], as_of=DAY)
    assert "LA002" in refused.value.messages[0] and "还款计划" in refused.value.messages[0]
    assert not services.GeneratedDocument.objects.exists()


def test_an_agreement_batch_takes_only_the_loans_with_a_plan(plan, loans, cast):
    qs = services.batch_loans(cast["township_admin"], "agreement", DAY, township=loans["LA001"].township)
    assert list(qs.values_list("loan_no", flat=True)) == ["LA001"]
