"""The collection notice (催收通知书) with its receipt: Word and PDF, read back."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.documents import services
from npl.documents.models import GeneratedDocument
from npl.documents.tests.conftest import pdf_text

DAY = dt.date(2026, 4, 30)


@pytest.fixture
def owed(loans):
    loan = loans["LA001"]
    loan.contract_no = "HT-2020-001"
    loan.interest_on = Decimal("1200.50")
    loan.penalty_interest = Decimal("99.50")
    loan.save()
    return loan


def test_notice_docx_names_the_borrower_and_the_figures_in_capitals(owed, cast, read_docx):
    made = services.generate("notice", [owed], "docx", cast["collector"], as_of=DAY)
    text = read_docx(made.content)
    assert "张三" in text
    assert "HT-2020-001" in text
    assert "100,000.00" in text and "壹拾万元整" in text  # principal
    assert "1,300.00" in text and "壹仟叁佰元整" in text  # 表内欠息 + 罚息
    assert "101,300.00" in text and "壹拾万壹仟叁佰元整" in text
    assert "2026年5月30日前" in text  # pay within 30 days
    assert "第一百九十五条" in text and "回执" in text and "家属签收" in text and "与借款人关系" in text
    assert "柳溪支行" in text
    assert made.file_name.endswith(".docx") and "LA001" in made.file_name


def test_notice_pdf_has_the_same_text_extractable(owed, cast):
    made = services.generate("notice", [owed], "pdf", cast["collector"], as_of=DAY, pay_by=dt.date(2026, 6, 1))
    assert made.content.startswith(b"%PDF")
    text = pdf_text(made.content)
    assert "催收通知书" in text.replace(" ", "")
    assert "张三" in text
    assert "壹拾万壹仟叁佰元整" in text
    assert "2026年6月1日" in text
    assert "回执" in text


def test_every_generation_is_logged_with_who_what_when(owed, cast):
    made = services.generate("notice", [owed], "pdf", cast["collector"], as_of=DAY)
    row = GeneratedDocument.objects.get()
    assert row == made.record
    assert (row.kind, row.fmt, row.user, row.as_of, row.loan_count) == ("notice", "pdf", cast["collector"], DAY, 1)
    assert list(row.loans.values_list("loan_no", flat=True)) == ["LA001"]
    assert row.full_names is True
    assert row.file_name == made.file_name


def test_the_notice_states_the_same_debt_as_the_plain_sheet_of_that_day(owed, cast, read_docx):
    from npl.core.money import chinese_capital
    from npl.documents.content import money
    from npl.waivers.payoff import compute_payoff

    owed.rate = Decimal("7.2000")  # interest and penalty keep accruing after the bank's snapshot
    owed.save()
    payoff = compute_payoff(owed, DAY)
    interest = payoff.interest + payoff.penalty + payoff.compound
    assert interest > Decimal("1300.00")
    text = read_docx(services.generate("notice", [owed], "docx", cast["collector"], as_of=DAY).content)
    assert f"人民币{money(interest)}元（大写：{chinese_capital(interest)}）" in text
    assert f"合计人民币{money(payoff.total)}元" in text
