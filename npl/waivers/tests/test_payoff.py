"""The payoff calculator, figure by figure, worked by hand.

Every loan here has 100,000.00 元 at 3.6% a year unless said otherwise, so by hand:
contract interest = 100000 × 3.6% ÷ 360 = 10.00 元 a day; penalty rate = 3.6% × 1.5 = 5.4%, so penalty
interest = 15.00 元 a day on the whole principal; compound interest = unpaid interest × 5.4% ÷ 360
= unpaid interest × 0.00015 a day.
"""
import datetime as dt
from decimal import Decimal

import pytest

from npl.waivers.models import PolicyTier, PolicyVersion
from npl.waivers.payoff import NO_POLICY, PayoffError, compute_payoff
from npl.waivers.tests.conftest import SNAPSHOT, on_loan_list, on_roster, repay

D = Decimal


def d(y, m, day):
    return dt.date(y, m, day)


# --- interest ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, snapshot, maturity, on, as_of, want_on, want_penalty, want_compound",
    [
        # 04-01..04-30: 30 days × 10.00 = 300.00; compound on 0, 10, …, 290 = 4350 × 0.00015 = 0.6525 → 0.65
        ("across a month before maturity", SNAPSHOT, d(2026, 6, 30), "0", d(2026, 4, 30), "300.00", "0.00", "0.65"),
        # leap year: 02-28, 02-29, 03-01 = 3 days → 30.00; compound (1000 + 1010 + 1020) × 0.00015 = 0.4545 → 0.45
        ("over 29 February 2028", d(2028, 2, 27), d(2028, 12, 31), "1000", d(2028, 3, 1), "1030.00", "0.00", "0.45"),
        # not a leap year: 02-28, 03-01 = 2 days → 20.00; compound (1000 + 1010) × 0.00015 = 0.3015 → 0.30
        ("over February 2027", d(2027, 2, 27), d(2027, 12, 31), "1000", d(2027, 3, 1), "1020.00", "0.00", "0.30"),
        # after maturity: 10 days × 15.00 = 150.00 penalty; no contract interest; compound 1000 × 0.00015 × 10 = 1.50
        ("after maturity", SNAPSHOT, SNAPSHOT, "1000", d(2026, 4, 10), "1000.00", "150.00", "1.50"),
        # maturity 04-15: 15 days × 10 = 150 interest, 15 days × 15 = 225 penalty; compound on 0..140 (1050) and
        # 15 days on 150 (2250): 3300 × 0.00015 = 0.495 → 0.50 (half-up, once)
        ("across maturity", SNAPSHOT, d(2026, 4, 15), "0", d(2026, 4, 30), "150.00", "225.00", "0.50"),
        # the snapshot day itself accrues nothing: it is inside the bank's figures
        ("on the snapshot day", SNAPSHOT, d(2026, 6, 30), "1000", SNAPSHOT, "1000.00", "0.00", "0.00"),
    ],
)
def test_interest_accrues_day_by_day_from_the_bank_figures(make_loan, case, snapshot, maturity, on, as_of, want_on,
                                                           want_penalty, want_compound):
    loan = make_loan("W1", as_of=snapshot, maturity=maturity, on=on)
    p = compute_payoff(loan, as_of)
    assert (p.interest_on, p.penalty, p.compound) == (D(want_on), D(want_penalty), D(want_compound)), case
    assert p.interest == p.interest_on + p.interest_off


def test_a_non_performing_loan_books_new_interest_off_balance_sheet(make_loan):
    loan = make_loan("W1", classification="substandard", on="500", off="100")
    p = compute_payoff(loan, d(2026, 4, 10))
    # 10 days × 10.00 go off the balance sheet (非应计); the bank's 表内 500.00 stays as it was
    assert (p.interest_on, p.interest_off, p.interest) == (D("500.00"), D("200.00"), D("700.00"))


def test_a_partial_repayment_lowers_principal_and_interest_from_its_own_day(make_loan):
    loan = make_loan("W1", maturity=SNAPSHOT, on="1000")
    repay(loan, d(2026, 4, 6), principal="40000", interest="600")
    p = compute_payoff(loan, d(2026, 4, 10))
    # 04-01..04-05: penalty 5 × 15.00 = 75.00, compound 1000 × 0.00015 × 5 = 0.75
    # 04-06..04-10: principal 60000 → penalty 5 × 9.00 = 45.00; interest 1000 − 600 = 400 → compound 400 × 0.00015 × 5 = 0.30
    assert p.principal == D("60000.00")
    assert (p.interest_on, p.penalty, p.compound) == (D("400.00"), D("120.00"), D("1.05"))
    assert p.to_pay == D("60000.00") + D("400.00") + D("120.00") + D("1.05") - p.waivable


def test_interest_repaid_goes_to_contract_interest_then_penalty_then_compound(make_loan):
    # no rate: nothing accrues, so only the order shows
    loan = make_loan("W1", rate=None, maturity=SNAPSHOT, on="100", off="200", penalty="300", compound="400")
    repay(loan, d(2026, 4, 2), interest="450")
    p = compute_payoff(loan, d(2026, 4, 10))
    assert (p.interest_on, p.interest_off, p.penalty, p.compound) == (D("0.00"), D("0.00"), D("150.00"), D("400.00"))
    assert any("执行利率缺失" in line for line in p.lines)


def test_suspended_days_accrue_nothing(make_loan):
    from npl.collection.models import InterestSuspension

    loan = make_loan("W1", maturity=SNAPSHOT, on="1000")
    InterestSuspension.objects.create(loan=loan, starts_on=d(2026, 4, 3), until=d(2026, 4, 7), reason="服刑",
                                      started_by=_someone())
    p = compute_payoff(loan, d(2026, 4, 10))
    # 10 days less 04-03..04-07 (5 days) = 5 days: penalty 75.00, compound 1000 × 0.00015 × 5 = 0.75
    assert (p.penalty, p.compound) == (D("75.00"), D("0.75"))
    assert any("停息挂账：共5天不计息" in line for line in p.lines)


def _someone():
    from npl import testing

    return testing.user("banli", "branch_staff")


def test_the_penalty_markup_is_a_setting(make_loan):
    from npl.core.models import Setting

    Setting.objects.create(key="penalty_markup_percent", value="30")
    loan = make_loan("W1", maturity=SNAPSHOT)
    # 100000 × 3.6% × 1.3 ÷ 360 = 13.00 a day
    assert compute_payoff(loan, d(2026, 4, 10)).penalty == D("130.00")


def test_the_same_inputs_give_the_same_payoff_and_a_day_before_the_bank_figures_is_refused(make_loan):
    loan = make_loan("W1", maturity=d(2026, 4, 15), on="321.45")
    assert compute_payoff(loan, d(2026, 5, 3)).as_json() == compute_payoff(loan, d(2026, 5, 3)).as_json()
    with pytest.raises(PayoffError, match="早于银行最新数据日期"):
        compute_payoff(loan, d(2026, 3, 30))


def test_json_has_the_contract_keys_first_with_amounts_in_yuan(make_loan):
    loan = make_loan("W1")
    data = compute_payoff(loan, d(2026, 4, 30)).as_json()
    assert list(data)[:10] == ["loan_no", "as_of", "principal", "interest", "penalty", "compound", "waivable", "to_pay",
                               "policy", "lines"]
    assert (data["as_of"], data["principal"], data["interest"]) == ("2026-04-30", "100000.00", "300.00")


# --- the policy tiers ------------------------------------------------------------------------------------
# Figures fixed by a loan without a rate: principal 100000, 表内 1000, 表外 2000, 罚息 3000, 复利 400 → 106400.00.

FIXED = {"rate": None, "maturity": SNAPSHOT, "on": "1000", "off": "2000", "penalty": "3000", "compound": "400"}
DAY = d(2026, 4, 10)


def _fixed(make_loan, no="W1"):
    return make_loan(no, **FIXED)


@pytest.mark.parametrize(
    "case, membership, tier, waivable",
    [
        # 3000 + 400 + 50% × (1000 + 2000)
        ("低保户", ("roster", "dibao"), "特殊户（低保户）", "4900.00"),
        # 3000 + 400 + 30% × 3000
        ("残疾人", ("roster", "disabled"), "特殊户（残疾人、脱贫人口、已移民）", "4300.00"),
        ("借款人已死亡", ("roster", "deceased"), "借款人已死亡（继承人还款）", "4900.00"),
        # 3000 + 400, no interest
        ("借款人在服刑", ("roster", "imprisoned"), "借款人在服刑", "3400.00"),
        # all of it
        ("冒名顶替", ("list", "impersonated"), "冒名顶替", "6400.00"),
        # 50% × 3000 + 50% × 400 = 1700, the same as the general tier: the higher priority wins
        ("农合行职工", ("list", "bank_staff"), "农合行职工", "1700.00"),
        ("一般户", None, "一般户", "1700.00"),
    ],
)
def test_each_tier_of_the_default_policy(make_loan, case, membership, tier, waivable):
    loan = _fixed(make_loan)
    if membership and membership[0] == "roster":
        on_roster(loan, membership[1])
    elif membership:
        on_loan_list(loan, membership[1])
    p = compute_payoff(loan, DAY)
    assert p.policy.startswith(f"2026年第1版 · {tier} · "), case
    assert (p.waivable, p.to_pay) == (D(waivable), D("106400.00") - D(waivable)), case
    assert p.condition == ("2026年12月31日前分期（最多12期）归还全部本金" if tier == "借款人在服刑"
                           else "2026年12月31日前一次性归还全部本金")


def test_a_low_income_household_gets_the_most_favourable_of_its_two_tiers(make_loan):
    loan = _fixed(make_loan)
    on_roster(loan, "dibao")  # also in 特殊户 as a whole: 4300 there, 4900 as 低保户
    p = compute_payoff(loan, DAY)
    assert p.waivable == D("4900.00")
    assert "取对借款人最有利的一档" in p.lines[-2]


def test_a_new_policy_version_applies_from_its_date(make_loan):
    loan = _fixed(make_loan)
    v2 = PolicyVersion.objects.create(name="2026年第2版", effective_from=d(2026, 5, 1))
    PolicyTier.objects.create(version=v2, name="一般户", penalty_share=100, compound_share=100, interest_share=0,
                              repay_by=d(2026, 12, 31))
    assert compute_payoff(loan, d(2026, 4, 30)).waivable == D("1700.00")   # 第1版: half of 3400
    after = compute_payoff(loan, d(2026, 5, 1))
    assert (after.waivable, after.policy) == (D("3400.00"), "2026年第2版 · 一般户 · 一次性结清本金")


def test_no_tier_after_its_deadline_and_no_policy_before_the_first_version(make_loan):
    late = compute_payoff(_fixed(make_loan), d(2027, 1, 1))
    assert (late.waivable, late.policy, late.to_pay) == (D("0.00"), NO_POLICY, D("106400.00"))
    assert "期限2026年12月31日已过" in late.rule
    early = make_loan("W2", rate=None, as_of=d(2025, 12, 1), on="10")
    assert compute_payoff(early, d(2025, 12, 31)).policy == NO_POLICY


def test_the_worked_example_of_the_docs(make_loan):
    """docs/interest-and-waivers.md, section 1: 150.00 + 225.00 + 0.50, general tier waives 112.75."""
    p = compute_payoff(make_loan("W1", maturity=d(2026, 4, 15)), d(2026, 4, 30))
    assert (p.interest, p.penalty, p.compound, p.waivable, p.to_pay) == (
        D("150.00"), D("225.00"), D("0.50"), D("112.75"), D("100262.75"))
