"""The plain-language sheet (明白纸) shows the borrower's payoff from the one ruler, and the rule applied."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.core.money import chinese_capital
from npl.documents import services
from npl.documents.content import money
from npl.documents.tests.conftest import pdf_text
from npl.waivers.payoff import compute_payoff

DAY = dt.date(2026, 4, 30)


@pytest.fixture
def owing(loans):
    loan = loans["LA003"]
    loan.interest_on = Decimal("3000.00")
    loan.interest_off = Decimal("1500.00")
    loan.penalty_interest = Decimal("800.00")
    loan.save()
    return loan


def test_plain_sheet_shows_the_payoff_figures_policy_and_rule(owing, cast, read_docx):
    payoff = compute_payoff(owing, DAY)
    made = services.generate("plain_sheet", [owing], "docx", cast["township_admin"], as_of=DAY)
    text = read_docx(made.content)
    assert "明白纸" in text and "单丽" in text and "LA003" in text
    assert f"借款本金\t{money(payoff.principal)}\t{chinese_capital(payoff.principal)}" in text
    assert f"可减免\t{money(payoff.waivable)}\t{chinese_capital(payoff.waivable)}" in text
    assert f"您需归还\t{money(payoff.to_pay)}\t{chinese_capital(payoff.to_pay)}" in text
    assert f"适用政策：{payoff.policy}" in text
    assert f"减免规则：{payoff.rule}" in text
    for line in payoff.lines:
        assert line in text
    assert "先还后免" in text


def test_plain_sheet_pdf_carries_the_same_figures(owing, cast):
    payoff = compute_payoff(owing, DAY)
    text = pdf_text(services.generate("plain_sheet", [owing], "pdf", cast["district_admin"], as_of=DAY).content)
    assert "单丽" in text
    assert chinese_capital(payoff.to_pay) in text
    assert payoff.policy in text


def test_the_contact_line_falls_back_to_the_leader_then_the_township_team_never_blank(owing, cast, read_docx):
    from npl.loans.models import Loan

    Loan.objects.filter(pk=owing.pk).update(responsible_person=None, responsible_leader=cast["township_admin"])
    text = read_docx(services.generate("plain_sheet", [owing], "docx", cast["township_admin"], as_of=DAY).content)
    leader = cast["township_admin"].display_name or cast["township_admin"].username
    assert leader in text
    Loan.objects.filter(pk=owing.pk).update(responsible_leader=None)
    text = read_docx(services.generate("plain_sheet", [owing], "docx", cast["township_admin"], as_of=DAY).content)
    assert "柳溪镇清收工作专班或" in text
