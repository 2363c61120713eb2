"""先还后免 through the normal path, worked by hand: a borrower whose penalty and compound interest accrued since
the bank's figures pays the payoff's `to_pay` as a field repayment (collector records, branch confirms), the
waiver applies, and paid + waived clears the interest claim.

The loan: 20,000.00 principal at 3.6 %, matured long ago, bank figures 30 days before today: 表内欠息 100.00,
罚息 50.00, 复利 10.00. Each day after them: penalty 20000 × 3.6 % × 1.5 ÷ 360 = 3.00; compound on the unpaid
contract interest 100 × 5.4 % ÷ 360 = 0.015. The tier waives half the penalty and half the compound.
"""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from npl.collection import services as collection
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan
from npl.waivers.choices import RequestStatus
from npl.waivers.interest import Movement, Start, Terms, accrue
from npl.waivers.payoff import compute_payoff
from npl.waivers.services import check_waiver, decide_waiver, request_waiver
from npl.waivers.tests.conftest import version_in_force

D = Decimal
# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")


@pytest.fixture
def ruler(db):
    """A version in force since yesterday: any loan repaying its principal within a year gets half its penalty and compound off."""
    return version_in_force(penalty=50, compound=50)


@pytest.fixture
def borrower_loan(make_loan, cast, ruler):
    return make_loan("S1", balance="20000.00", rate="3.6", as_of=TODAY - dt.timedelta(days=30),
                     maturity=TODAY - dt.timedelta(days=400), on="100", penalty="50", compound="10",
                     collector=cast["collector"])


def pay_in_field(loan, cast, amount):
    """The collector records the money, the branch confirms it: the one path a field repayment takes."""
    rep = collection.record_repayment(loan, cast["collector"], paid_on=TODAY, amount=D(amount))
    collection.review_repayment(rep, cast["branch_staff"], confirm=True)
    rep.refresh_from_db()
    return rep


def agree(loan, cast, **kw):
    req = request_waiver(loan, cast["collector"], deadline=TODAY + dt.timedelta(days=30), reason="亲属凑钱一次性还本", **kw)
    return decide_waiver(req, cast["branch_staff"], approve=True)


def test_the_quote_counts_thirty_days_of_penalty_and_compound_after_the_bank_figures(borrower_loan):
    p = compute_payoff(borrower_loan, TODAY)
    # penalty 50 + 30 × 3.00; compound 10 + 30 × 0.015 = 10.45; waivable 70.00 + 5.225 → 5.23
    assert (p.principal, p.interest, p.penalty, p.compound) == (D("20000.00"), D("100.00"), D("140.00"), D("10.45"))
    assert (p.total, p.waivable, p.to_pay) == (D("20250.45"), D("75.23"), D("20175.22"))


def test_a_field_repayment_of_the_quoted_to_pay_is_taken_though_it_is_above_the_bank_figures(borrower_loan, cast):
    quote = compute_payoff(borrower_loan, TODAY)
    assert quote.to_pay > D("20160.00")  # the bank's own figures: 20000 + 100 + 50 + 10
    rep = pay_in_field(borrower_loan, cast, quote.to_pay)
    # no waiver agreed: the statutory order pays all interest (accrued included), then principal
    assert (rep.costs, rep.interest, rep.principal) == (D("0.00"), D("250.45"), D("19924.77"))


def test_a_repayment_above_the_accrued_total_is_refused_naming_it(borrower_loan, cast):
    with pytest.raises(ValidationError, match="还款金额超过当前应还总额 20250.45 元"):
        collection.record_repayment(borrower_loan, cast["collector"], paid_on=TODAY, amount=D("20250.46"))
    assert pay_in_field(borrower_loan, cast, "20250.45").principal == D("20000.00")
    assert Loan.objects.get(pk=borrower_loan.pk).status == LoanStatus.SETTLED


def test_paying_the_quoted_to_pay_applies_the_waiver_and_clears_the_interest_claim(borrower_loan, cast):
    quote = compute_payoff(borrower_loan, TODAY)
    req = agree(borrower_loan, cast)
    assert req.agreed_amount == D("20175.22")
    rep = pay_in_field(borrower_loan, cast, quote.to_pay)
    # the interest the waiver will forgive is paid last: the money goes to the rest of the interest and to principal
    assert (rep.interest, rep.principal) == (D("175.22"), D("20000.00"))
    req = check_waiver(req)
    assert (req.status, req.applied_on) == (RequestStatus.APPLIED, TODAY)
    assert (req.waived_penalty, req.waived_compound, req.waived_total) == (D("70.00"), D("5.23"), quote.waivable)
    after = compute_payoff(borrower_loan, TODAY)
    assert (after.principal, after.to_pay, after.waiver_state) == (D("0.00"), D("0.00"), "applied")
    assert collection.owed(borrower_loan) == {"costs": D("0.00"), "interest": D("0.00"), "principal": D("0.00")}
    assert Loan.objects.get(pk=borrower_loan.pk).status == LoanStatus.SETTLED


def test_an_agreement_paid_in_two_parts_keeps_the_offer_of_the_day_before_the_first(borrower_loan, cast):
    quote = compute_payoff(borrower_loan, TODAY)
    req = agree(borrower_loan, cast)
    first = pay_in_field(borrower_loan, cast, "10000.00")
    assert (first.interest, first.principal) == (D("175.22"), D("9824.78"))
    assert check_waiver(req).status == RequestStatus.APPROVED  # 10175.22 short of the agreed amount
    waiting = compute_payoff(borrower_loan, TODAY)
    # The offer stays the one reckoned before the agreement's first repayment (75.23), not the tier's half of
    # what is left, but never more than the interest still owed: 罚息 137.00 − 75.22 + today's 10175.22 × 0.015 %
    # = 63.31 and 复利 10.44 (today accrues on what is left: a repayment counts at the start of its day).
    assert (waiting.waiver_state, waiting.waivable, waiting.to_pay) == ("approved", D("73.75"), D("10175.22"))
    second = pay_in_field(borrower_loan, cast, waiting.to_pay)
    assert (second.interest, second.principal) == (D("0.00"), D("10175.22"))
    req = check_waiver(req)
    assert (req.status, req.waived_total) == (RequestStatus.APPLIED, quote.waivable)
    after = compute_payoff(borrower_loan, TODAY)
    assert (after.principal, after.to_pay) == (D("0.00"), D("0.00"))


def test_an_amount_quoted_days_before_the_payment_waives_the_tiers_share_of_the_payment_day(borrower_loan, cast):
    earlier = compute_payoff(borrower_loan, TODAY - dt.timedelta(days=10))
    # 20 days after the bank figures: penalty 110.00, compound 10.30; waivable 55.00 + 5.15
    assert (earlier.waivable, earlier.to_pay) == (D("60.15"), D("20160.15"))
    req = agree(borrower_loan, cast, agreed_amount=earlier.to_pay)
    rep = pay_in_field(borrower_loan, cast, earlier.to_pay)
    req = check_waiver(req)
    assert req.status == RequestStatus.APPLIED
    # Waived: the tier's share on the payment day (before the payment), i.e. the earlier offer plus half of
    # the ten days' accrual; the other half (15.07) is still owed, as principal since interest was paid first.
    assert req.waived_total == D("75.23")
    assert (rep.interest, rep.principal) == (D("175.22"), D("19984.93"))
    after = compute_payoff(borrower_loan, TODAY)
    assert (after.principal, after.to_pay) == (D("15.07"), D("15.07"))
    assert collection.owed(borrower_loan)["interest"] == D("0.00")


def test_a_waived_amount_a_repayment_already_paid_comes_off_the_other_interest_parts():
    start = Start(day=dt.date(2026, 3, 31), principal=D("1000.00"), interest_on=D("100.00"), penalty=D("60.00"),
                  compound=D("40.00"))
    terms = Terms(rate=None, maturity=dt.date(2026, 1, 1))
    day = dt.date(2026, 4, 10)
    # 150 of interest repaid goes 表内 100, then 罚息 50: 10 penalty and 40 compound are left.
    paid = Movement(day=day, interest=D("150.00"))
    waiver = Movement(day=day, waived=(("penalty", D("30.00")), ("compound", D("20.00"))))
    acc = accrue(start, terms, [paid, waiver], day)
    # the 30 of penalty waived finds 10 there; the other 20 comes off compound with the compound's own 20
    assert (acc.interest_on, acc.penalty, acc.compound) == (D("0.00"), D("0.00"), D("0.00"))
    acc = accrue(start, terms, [paid, Movement(day=day, waived=(("penalty", D("30.00")),))], day)
    assert (acc.penalty, acc.compound) == (D("0.00"), D("20.00"))


def test_a_bank_booked_repayment_of_the_quote_holds_back_the_waived_interest_too(borrower_loan, cast):
    # The same agreement met by a repayment the bank books itself (an amount, split by the platform).
    quote = compute_payoff(borrower_loan, TODAY)
    req = agree(borrower_loan, cast)
    rep = collection.post_bank_repayment(borrower_loan, cast["branch_staff"], txn_no="BANK-S1", paid_on=TODAY,
                                         amount=quote.to_pay)
    assert (rep.interest, rep.principal) == (D("175.22"), D("20000.00"))
    assert check_waiver(req).status == RequestStatus.APPLIED
    assert compute_payoff(borrower_loan, TODAY).to_pay == D("0.00")
