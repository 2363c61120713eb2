"""Repayments recorded in the field and confirmed by the branch (maker-checker): allocation per contract,
balances and status through events, 借新还旧 releasing the old guarantors, scope, and history never rewritten."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from npl import testing
from npl.collection import services
from npl.collection.models import Repayment
from npl.core import derived
from npl.loans.choices import LoanStatus
from npl.loans.models import Guarantor, Loan, LoanEvent

# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")
D = Decimal


@pytest.fixture
def owing(loans):
    """LA001 owes 100 元 costs, 500 元 interest (400 on, 100 off balance sheet) and 100,000 元 principal."""
    Loan.objects.filter(pk=loans["LA001"].pk).update(costs=D("100.00"), interest_on=D("400.00"), interest_off=D("100.00"))
    return Loan.objects.get(pk=loans["LA001"].pk)


@pytest.fixture
def colleague(units):
    """A second member of branch A's staff: the checker when branch staff record a repayment themselves."""
    return testing.user("liuxi_branch_2", "branch_staff", branch_=units.branch_a)


def record(loan, who, amount, **kw):
    return services.record_repayment(loan, who, paid_on=kw.pop("paid_on", TODAY), amount=D(amount), **kw)


def confirm(rep, who):
    return services.review_repayment(rep, who, confirm=True)


def split(rep):
    rep.refresh_from_db()
    return rep.costs, rep.interest, rep.principal


def balance(loan):
    return Loan.objects.get(pk=loan.pk).principal_balance


# --- allocation -----------------------------------------------------------------------------------------


def test_by_default_a_repayment_pays_costs_then_interest_then_principal(owing, cast):
    rep = record(owing, cast["collector"], "1000.00")
    assert split(rep) == (D("100.00"), D("500.00"), D("400.00"))  # proposed
    confirm(rep, cast["branch_staff"])
    assert split(rep) == (D("100.00"), D("500.00"), D("400.00"))
    assert balance(owing) == D("99600.00")
    assert services.owed(Loan.objects.get(pk=owing.pk)) == {"costs": D("0.00"), "interest": D("0.00"), "principal": D("99600.00")}
    # the next one finds costs and interest paid and goes to principal
    rep2 = record(owing, cast["collector"], "300.00")
    confirm(rep2, cast["branch_staff"])
    assert split(rep2) == (D("0.00"), D("0.00"), D("300.00")) and balance(owing) == D("99300.00")


def test_a_contract_with_principal_first_puts_the_money_on_principal(owing, cast):
    services.set_allocation_order(owing, cast["branch_staff"], "principal_interest_costs", "借款合同第八条")
    rep = record(owing, cast["collector"], "1000.00")
    confirm(rep, cast["branch_staff"])
    assert split(rep) == (D("0.00"), D("0.00"), D("1000.00"))
    assert balance(owing) == D("99000.00")
    event = LoanEvent.objects.get(loan=owing, field="allocation_order")
    assert event.after.startswith("本金→利息→费用") and event.note == "借款合同第八条"


def test_the_split_is_fixed_at_confirmation_against_what_is_owed_then(owing, cast, colleague):
    first = record(owing, cast["collector"], "600.00")
    second = record(owing, cast["collector"], "600.00")
    assert split(second) == (D("100.00"), D("500.00"), D("0.00"))  # proposal, as if alone
    confirm(first, cast["branch_staff"])
    confirm(second, colleague)
    assert split(second) == (D("0.00"), D("0.00"), D("600.00"))
    assert balance(owing) == D("99400.00")


def test_a_backdated_repayment_confirmed_after_a_later_one_does_not_pay_the_same_interest_twice(owing, cast, colleague):
    earlier = record(owing, cast["collector"], "600.00", paid_on=TODAY - dt.timedelta(days=5))
    later = record(owing, cast["collector"], "600.00")
    confirm(later, cast["branch_staff"])
    confirm(earlier, colleague)  # split against the claim after the later one: costs and interest are paid
    assert split(later) == (D("100.00"), D("500.00"), D("0.00"))
    assert split(earlier) == (D("0.00"), D("0.00"), D("600.00"))
    assert balance(owing) == D("99400.00")


def test_more_than_is_owed_is_refused(owing, cast):
    with pytest.raises(ValidationError, match="还款金额超过当前应还总额 100600.00 元"):
        record(owing, cast["collector"], "100600.01")


def test_interest_a_waiver_will_forgive_is_paid_after_everything_else():
    due = {"costs": D("100.00"), "interest": D("500.00"), "principal": D("1000.00")}
    # 200 of the 500 interest is reserved for an approved waiver (先还后免): principal comes before it
    assert services.allocate(D("1400.00"), due, "costs_interest_principal", D("200.00")) == {
        "costs": D("100.00"), "interest": D("300.00"), "principal": D("1000.00")}
    # only money beyond the principal lands on the reserved interest; beyond the whole claim it is refused
    assert services.allocate(D("1450.00"), due, "costs_interest_principal", D("200.00"))["interest"] == D("350.00")
    with pytest.raises(ValidationError, match="还款金额超过当前应还总额 1600.00 元"):
        services.allocate(D("1600.01"), due, "costs_interest_principal", D("200.00"))


def test_what_is_owed_on_a_day_counts_the_interest_accrued_since_the_bank_figures(owing):
    # 3.6 % a year, past maturity: penalty 100000 × 3.6 % × 1.5 ÷ 360 = 15.00 a day, compound on the unpaid
    # contract interest 500 × 5.4 % ÷ 360 = 0.075 a day (the payoff's accrual, npl.waivers.interest)
    Loan.objects.filter(pk=owing.pk).update(rate=D("3.6"))
    loan = Loan.objects.get(pk=owing.pk)
    ten_days_on = loan.snapshot_date + dt.timedelta(days=10)
    assert services.owed(loan, ten_days_on) == {"costs": D("100.00"), "interest": D("650.75"), "principal": D("100000.00")}
    assert services.owed(loan, loan.snapshot_date)["interest"] == D("500.00")


# --- maker-checker and scope -------------------------------------------------------------------------------


def test_an_unconfirmed_repayment_counts_nowhere(owing, cast):
    record(owing, cast["collector"], "5000.00")
    assert balance(owing) == D("100000.00")
    assert Loan.objects.get(pk=owing.pk).status == LoanStatus.REGISTERED
    assert services.owed(owing)["interest"] == D("500.00")


def test_the_recorder_cannot_confirm_their_own_repayment(owing, cast, colleague):
    rep = record(owing, cast["branch_staff"], "1000.00")
    with pytest.raises(ValidationError, match="登记人不能确认或退回自己登记的还款"):
        confirm(rep, cast["branch_staff"])
    assert not Repayment.objects.get(pk=rep.pk).confirmed
    confirm(rep, colleague)
    rep.refresh_from_db()
    assert rep.confirmed and rep.confirmed_by == colleague and rep.recorded_by == cast["branch_staff"]


@pytest.mark.parametrize("role", ["collector", "township_admin", "district_admin", "court_liaison"])
def test_only_branch_staff_confirm(owing, cast, role):
    rep = record(owing, cast["collector"], "1000.00")
    with pytest.raises(PermissionDenied):
        confirm(rep, cast[role])


def test_branch_staff_confirm_only_their_branchs_repayments(loans, cast, units):
    # LA003 is in town A but served by branch B: branch A's staff may not confirm it, branch B's may.
    rep = record(loans["LA003"], cast["township_admin"], "1000.00")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        confirm(rep, cast["branch_staff"])
    branch_b = testing.user("taoyuan_branch", "branch_staff", branch_=units.branch_b)
    confirm(rep, branch_b)
    assert Repayment.objects.get(pk=rep.pk).confirmed


def test_the_review_button_of_another_branch_is_404(client_for, loans, cast):
    rep = record(loans["LA003"], cast["township_admin"], "1000.00")
    r = client_for("branch_staff").post(reverse("collection:repayment_review", args=[rep.pk]), {"decision": "confirm"})
    assert r.status_code == 404
    assert not Repayment.objects.get(pk=rep.pk).confirmed


def test_a_refusal_needs_a_reason_and_counts_nothing(owing, cast):
    rep = record(owing, cast["collector"], "1000.00")
    with pytest.raises(ValidationError, match="退回须填写原因"):
        services.review_repayment(rep, cast["branch_staff"], confirm=False, reason=" ")
    services.review_repayment(rep, cast["branch_staff"], confirm=False, reason="未查到到账")
    rep.refresh_from_db()
    assert rep.review_status == "refused" and not rep.confirmed and balance(owing) == D("100000.00")
    with pytest.raises(ValidationError, match="该笔还款已退回"):
        confirm(rep, cast["branch_staff"])


def test_a_repayment_is_confirmed_once(owing, cast):
    rep = record(owing, cast["collector"], "1000.00")
    confirm(rep, cast["branch_staff"])
    with pytest.raises(ValidationError, match="该笔还款已确认"):
        confirm(rep, cast["branch_staff"])
    assert balance(owing) == D("99600.00")


def test_collectors_record_only_on_their_own_loans(loans, cast):
    with pytest.raises(PermissionDenied):
        record(loans["LA002"], cast["collector"], "100.00")
    with pytest.raises(PermissionDenied):
        record(loans["LA001"], cast["court_liaison"], "100.00")


def test_a_settled_loan_takes_no_more_field_repayments(loans, cast):
    Loan.objects.filter(pk=loans["LA001"].pk).update(status=LoanStatus.SETTLED)
    with pytest.raises(ValidationError, match="已结清的贷款不能再登记还款"):
        record(loans["LA001"], cast["collector"], "100.00")


# --- balances, partial vs settled, timeline ----------------------------------------------------------------


def test_partial_then_settled_with_every_step_on_the_timeline(loans, cast):
    loan = loans["LA001"]
    first = record(loan, cast["collector"], "40000.00")
    confirm(first, cast["branch_staff"])
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.PARTLY_REPAID
    rest = record(loan, cast["collector"], "60000.00", channel="cash")
    confirm(rest, cast["branch_staff"])
    loan.refresh_from_db()
    assert (loan.status, loan.principal_balance) == (LoanStatus.SETTLED, D("0.00"))
    trail = list(LoanEvent.objects.filter(loan=loan).order_by("pk").values_list("field", "before", "after"))
    assert [f for f, _, _ in trail] == [
        "repayment_recorded", "repayment", "principal_balance", "status",
        "repayment_recorded", "repayment", "principal_balance", "status",
    ]
    assert trail[2][1:] == ("100000.00", "60000.00") and trail[3][1:] == ("registered", "partly_repaid")
    assert trail[6][1:] == ("60000.00", "0.00") and trail[7][1:] == ("partly_repaid", "settled")


def test_nothing_on_the_timeline_is_ever_rewritten(owing, cast):
    rep = record(owing, cast["collector"], "1000.00")
    before = list(LoanEvent.objects.filter(loan=owing).order_by("pk").values())
    confirm(rep, cast["branch_staff"])
    services.write_off(Loan.objects.get(pk=owing.pk), cast["branch_staff"], reason="核销",
                       expected_version=Loan.objects.get(pk=owing.pk).version)
    after = list(LoanEvent.objects.filter(loan=owing).order_by("pk").values())
    assert after[: len(before)] == before and len(after) > len(before)
    event = LoanEvent.objects.filter(loan=owing).first()
    event.note = "改写"
    with pytest.raises(ValidationError, match="历史记录不可修改"):
        event.save()
    with pytest.raises(ValidationError, match="历史记录不可删除"):
        event.delete()


def test_the_flow_page_shows_pending_repayments_with_confirm_buttons_for_branch_staff(client_for, owing, cast):
    record(owing, cast["collector"], "1000.00")
    page = client_for("branch_staff").get(reverse("collection:flow", args=["LA001"])).content.decode()
    assert "待网点确认" in page and "确认到账" in page
    page = client_for("collector").get(reverse("collection:flow", args=["LA001"])).content.decode()
    assert "待网点确认" in page and "确认到账" not in page


def test_the_branch_queue_lists_its_pending_repayments_and_confirms_them(client_for, loans, cast):
    mine = record(loans["LA001"], cast["collector"], "1000.00")
    other = record(loans["LA003"], cast["township_admin"], "500.00")  # branch B's
    r = client_for("branch_staff").get(reverse("collection:repayment_queue"))
    assert list(r.context["pending"]) == [mine]
    assert client_for("collector").get(reverse("collection:repayment_queue")).status_code == 403
    r = client_for("branch_staff").post(reverse("collection:repayment_review", args=[mine.pk]),
                                        {"decision": "confirm", "next": "queue"})
    assert r.status_code == 302 and r.url == reverse("collection:repayment_queue")
    assert Repayment.objects.get(pk=mine.pk).confirmed and not Repayment.objects.get(pk=other.pk).confirmed


def test_the_field_form_records_a_repayment(client_for, loans):
    url = reverse("collection:repayment_new", args=["LA001"])
    page = client_for("collector").get(url).content.decode()
    assert "费用→利息→本金" in page and 'inputmode="decimal"' in page
    r = client_for("collector").post(url, {"paid_on": TODAY.isoformat(), "amount": "1234.56", "channel": "cash"})
    assert r.status_code == 302
    rep = Repayment.objects.get(loan=loans["LA001"])
    assert rep.amount == D("1234.56") and not rep.confirmed
    r = client_for("collector").post(url, {"paid_on": TODAY.isoformat(), "amount": "1.234", "channel": "cash"})
    assert r.status_code == 200 and Repayment.objects.count() == 1


# --- 借新还旧 -------------------------------------------------------------------------------------------------


def guarantor(loan, name, seed):
    from npl.core import crypto

    number = testing.valid_id(seed)
    made = Guarantor.objects.create(loan=loan, name=name, id_hash=crypto.keyed_hash(number), id_masked=number[:3] + "*" * 11 + number[-4:])
    derived.refresh([loan.pk], setup=True)  # as the loans import that brings a guarantor would
    return made


def test_refinancing_releases_the_old_guarantor_unless_marked_for_the_new_loan(loans, cast):
    loan = loans["LA001"]
    old = guarantor(loan, "赵六", 11)
    stays = guarantor(loan, "钱七", 12)
    rep = record(loan, cast["collector"], "100000.00", channel="refinance", new_loan_no="LA001-N", continuing_guarantors=[stays])
    confirm(rep, cast["branch_staff"])
    old.refresh_from_db()
    stays.refresh_from_db()
    assert old.released_on == TODAY and "借新还旧" in old.released_reason and "LA001-N" in old.released_reason
    assert stays.released_on is None
    assert LoanEvent.objects.filter(loan=loan, field="guarantor").count() == 1
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.SETTLED


def test_a_guarantor_found_on_the_new_loan_is_not_released(loans, cast, units):
    loan = loans["LA001"]
    kept = guarantor(loan, "孙八", 21)
    new_loan = testing.loan("LA001-N", loan.borrower, units.town_a, units.branch_a)
    guarantor(new_loan, "孙八", 21)  # the same person guarantees the new loan
    rep = record(loan, cast["collector"], "50000.00", channel="refinance", new_loan_no="LA001-N")
    confirm(rep, cast["branch_staff"])
    kept.refresh_from_db()
    assert kept.released_on is None


def test_an_imported_refinancing_releases_the_guarantor_on_the_daily_sweep(loans):
    loan = loans["LA001"]
    g = guarantor(loan, "周九", 31)
    Repayment.objects.create(txn_no="BANK-R1", loan=loan, paid_on=dt.date(2026, 5, 6), principal=D("100000.00"),
                             channel="refinance", confirmed=True)
    assert services.sweep(TODAY)["guarantors_released"] == 1
    g.refresh_from_db()
    assert g.released_on == dt.date(2026, 5, 6)
    assert services.sweep(TODAY).get("guarantors_released", 0) == 0  # once only


def test_a_refinancing_booked_by_the_bank_is_confirmed_at_once_and_releases_the_guarantor(loans, cast):
    loan = loans["LA001"]
    g = guarantor(loan, "吴十", 41)
    rep = services.post_bank_repayment(loan, None, txn_no="JXHJ-001", paid_on=TODAY, amount=D("100000.00"),
                                       channel="refinance", new_loan_no="LA001-N")
    assert rep.confirmed and rep.principal == D("100000.00")
    g.refresh_from_db()
    assert g.released_on == TODAY and "LA001-N" in g.released_reason
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.SETTLED
    with pytest.raises(ValidationError, match="交易流水号 JXHJ-001 已存在"):
        services.post_bank_repayment(loan, None, txn_no="JXHJ-001", paid_on=TODAY, amount=D("1.00"))
    with pytest.raises(PermissionDenied):
        services.post_bank_repayment(loans["LA002"], cast["collector"], txn_no="X2", paid_on=TODAY, amount=D("1.00"))


def test_refinancings_of_several_loans_at_once_release_each_guarantor_once_by_the_earliest(loans, units):
    """An import's refinancing repayments are handled together: each old guarantor released once, on the day of its
    loan's earliest refinancing, one history line each; one marked for the new loan and one found on it stay."""
    first, second = loans["LA001"], loans["LA002"]
    early, stays, found = guarantor(first, "郑一", 51), guarantor(first, "王二", 52), guarantor(first, "冯三", 53)
    other = guarantor(second, "陈四", 54)
    new_loan = testing.loan("LA001-N2", first.borrower, units.town_a, units.branch_a)
    guarantor(new_loan, "冯三", 53)  # the same person guarantees the new loan
    late = Repayment.objects.create(txn_no="R-LATE", loan=first, paid_on=dt.date(2026, 5, 9), principal=D("10.00"),
                                    channel="refinance", confirmed=True, new_loan_no="LA001-N2")
    Repayment.objects.create(txn_no="R-EARLY", loan=first, paid_on=dt.date(2026, 5, 7), principal=D("10.00"),
                             channel="refinance", confirmed=True, new_loan_no="LA001-N2").continuing_guarantors.set([stays])
    Repayment.objects.create(txn_no="R-OTHER", loan=second, paid_on=dt.date(2026, 5, 8), principal=D("10.00"),
                             channel="refinance", confirmed=True)
    released = services.release_old_guarantors_many(Repayment.objects.filter(channel="refinance"))
    assert sorted(g.pk for g in released) == sorted([early.pk, stays.pk, other.pk])  # the late one does not keep 王二
    for g, day in [(early, dt.date(2026, 5, 7)), (stays, dt.date(2026, 5, 9)), (other, dt.date(2026, 5, 8))]:
        g.refresh_from_db()
        assert g.released_on == day, g.name
    found.refresh_from_db()
    assert found.released_on is None
    assert LoanEvent.objects.filter(field="guarantor").count() == 3
    assert not Repayment.objects.filter(channel="refinance", guarantors_processed=False).exists()
    assert late.pk and services.release_old_guarantors_many(Repayment.objects.filter(pk=late.pk)) == []
