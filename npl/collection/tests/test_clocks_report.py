"""The clocks report over the database: facts gathered from the ledger, repayments, cases and rosters."""
import datetime as dt
from decimal import Decimal

import pytest

from npl import testing
from npl.categories.models import ManualMembership, RosterEntry, RosterPerson
from npl.collection.clocks import clocks_report, loan_clock_context
from npl.collection.models import CollectionAction, Repayment, RepaymentAgreement
from npl.litigation.models import CaseStage, LitigationCase
from npl.loans.models import Guarantor
from npl.org.models import Township

D = dt.date
AS_OF = D(2026, 3, 31)
MATURITY = D(2020, 3, 15)


def make_loan(units, no, seed, *, town=None, maturity=MATURITY, snapshot=AS_OF, name="张三"):
    who = testing.borrower(seed, name)
    return testing.loan(no, who, town or units.town_a, units.branch_a, maturity=maturity, as_of=snapshot)


def on_roster(borrower, kind, start, end=None, *, town=None, **details):
    person, _ = RosterPerson.objects.get_or_create(
        id_hash=borrower.id_hash, defaults={"id_cipher": borrower.id_cipher, "id_masked": borrower.id_masked, "name": borrower.name}
    )
    return RosterEntry.objects.create(
        kind=kind, person=person, name=borrower.name, valid_from=start, valid_to=end, township=town, details=details
    )


def action(loan, day, method="letter", signature="borrower"):
    return CollectionAction.objects.create(loan=loan, acted_on=day, method=method, signature=signature)


def repay(loan, day, txn, principal="1000.00", **extra):
    return Repayment.objects.create(loan=loan, paid_on=day, txn_no=txn, principal=Decimal(principal), **extra)


def row(report, loan_no):
    return next(r for r in report["loans"] if r["loan_no"] == loan_no)


def test_report_has_one_sorted_entry_per_loan_with_the_intake_shape(units):
    make_loan(units, "L2", 2)
    make_loan(units, "L1", 1, snapshot=D(2026, 6, 30))  # a snapshot later than the as-of day is still a loan in scope
    make_loan(units, "L3", 3, town=units.town_b)
    report = clocks_report(as_of=AS_OF)
    assert report["scope"] == "西岭区" and report["as_of"] == "2026-03-31"
    assert [r["loan_no"] for r in report["loans"]] == ["L1", "L2", "L3"]
    assert row(report, "L1") == {
        "loan_no": "L1",
        "limitation_deadline": "2023-03-15",
        "limitation_basis": "maturity",
        "limitation_status": "lapsed",
        "enforcement_deadline": None,
        # added by issue 15 (docs/legal-clocks.md): 2023-03-15 was a working Wednesday, nothing moved
        "limitation_nominal_deadline": "2023-03-15",
        "limitation_deadline_reason": None,
        "limitation_schedule_missing": False,
        "enforcement_nominal_deadline": None,
        "enforcement_deadline_reason": None,
        "enforcement_schedule_missing": False,
        "enforcement_status": None,
    }


def test_township_scope_by_name_and_iso_as_of(units):
    make_loan(units, "L1", 1)
    make_loan(units, "L3", 3, town=units.town_b)
    report = clocks_report(township="桃源乡", as_of="2022-12-31")
    assert report["scope"] == "桃源乡" and [r["loan_no"] for r in report["loans"]] == ["L3"]
    assert report["loans"][0]["limitation_status"] == "due_3m"


def test_unknown_township_is_refused_with_a_chinese_message(units):
    with pytest.raises(Township.DoesNotExist, match="未知乡镇"):
        clocks_report(township="不存在镇", as_of=AS_OF)


def test_ledger_repayments_and_agreements_move_the_clock(units):
    signed = make_loan(units, "L1", 1)
    action(signed, D(2022, 5, 10), signature="relative")
    refused = make_loan(units, "L2", 2)
    action(refused, D(2022, 5, 10), signature="refused")
    action(refused, D(2022, 6, 10), method="phone", signature="")
    paid = make_loan(units, "L3", 3)
    repay(paid, D(2024, 2, 29), "T1")  # after lapse: revives
    unconfirmed = make_loan(units, "L4", 4)
    repay(unconfirmed, D(2022, 7, 1), "T2", confirmed=False)
    agreed = make_loan(units, "L5", 5)
    RepaymentAgreement.objects.create(loan=agreed, signed_on=D(2022, 7, 1))
    report = clocks_report(as_of=D(2023, 1, 10))
    got = {r["loan_no"]: (r["limitation_deadline"], r["limitation_basis"]) for r in report["loans"]}
    assert got == {
        "L1": ("2025-05-12", "signed_notice"),  # 2025-05-10 was a Saturday: to the Monday (民法典 art. 203)
        "L2": ("2023-03-15", "maturity"),
        "L3": ("2023-03-15", "maturity"),  # the repayment is after this as-of day
        "L4": ("2023-03-15", "maturity"),
        "L5": ("2025-07-01", "agreement"),
    }
    assert row(clocks_report(as_of=AS_OF), "L3")["limitation_basis"] == "revived"


def test_newspaper_notice_counts_only_on_a_day_the_borrower_is_lost_contact(units):
    on_day = make_loan(units, "L1", 1)
    on_roster(on_day.borrower, "lost_contact", D(2022, 1, 1))
    action(on_day, D(2022, 5, 10), method="newspaper", signature="")
    joined_later = make_loan(units, "L2", 2)
    on_roster(joined_later.borrower, "lost_contact", D(2022, 6, 1))
    action(joined_later, D(2022, 5, 10), method="newspaper", signature="unsigned")
    other_town = make_loan(units, "L3", 3)
    on_roster(other_town.borrower, "lost_contact", D(2022, 1, 1), town=units.town_b)  # scoped to another township
    action(other_town, D(2022, 5, 10), method="newspaper", signature="")
    by_hand = make_loan(units, "L4", 4)
    ManualMembership.objects.create(
        loan=by_hand, code="lost_contact", op="add", reason="多次上门未见", status="approved",
        requested_by=testing.user("admin1", "district_admin"), valid_from=D(2022, 3, 1),
    )
    action(by_hand, D(2022, 5, 10), method="newspaper", signature="")
    report = clocks_report(as_of=D(2023, 1, 10))
    got = {r["loan_no"]: r["limitation_basis"] for r in report["loans"]}
    assert got == {"L1": "newspaper_notice", "L2": "maturity", "L3": "maturity", "L4": "newspaper_notice"}


def test_bank_suits_pending_judged_and_enforcing_and_a_borrowers_suit(units):
    def case(loan, direction="bank_sued_borrower", **extra):
        return LitigationCase.objects.create(
            loan=loan, direction=direction, case_no=f"（2022）民初{loan.loan_no}号", filed_on=D(2022, 8, 1),
            counted_from=D(2022, 8, 1), **extra,
        )

    case(make_loan(units, "L1", 1))
    judged = case(make_loan(units, "L2", 2), stage="judged")
    CaseStage.objects.create(case=judged, stage="judged", on=D(2024, 5, 20))  # the date only in the stage history
    case(make_loan(units, "L3", 3), judgment_on=D(2023, 5, 20), enforcement_case_no="（2023）执100号", stage="enforcing")
    case(make_loan(units, "L4", 4), direction="borrower_sued_bank")
    report = clocks_report(as_of=AS_OF)
    got = {r["loan_no"]: (r["limitation_status"], r["limitation_deadline"], r["enforcement_deadline"]) for r in report["loans"]}
    assert got == {
        "L1": ("suspended_by_suit", None, None),
        "L2": ("suspended_by_suit", None, "2026-05-20"),
        "L3": ("suspended_by_suit", None, None),
        "L4": ("lapsed", "2023-03-15", None),
    }


def test_report_costs_the_same_few_queries_for_many_loans(units, django_assert_max_num_queries):
    def build(n, start):
        for i in range(start, start + n):
            loan = make_loan(units, f"Q{i:04d}", 100 + i)
            action(loan, D(2022, 5, 10), method="newspaper", signature="")
            on_roster(loan.borrower, "lost_contact", D(2022, 1, 1))
            repay(loan, D(2022, 6, 1), f"TQ{i}")
            LitigationCase.objects.create(loan=loan, direction="bank_sued_borrower", case_no=f"C{i}", counted_from=D(2025, 1, 1))

    build(3, 0)
    with django_assert_max_num_queries(12) as few:
        clocks_report(as_of=AS_OF)
    build(40, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        report = clocks_report(as_of=AS_OF)
    assert len(report["loans"]) == 43


def test_user_scope_limits_the_report(loans, cast):
    report = clocks_report(as_of=AS_OF, user=cast["collector"])
    assert [r["loan_no"] for r in report["loans"]] == ["LA001"]
    assert clocks_report(as_of=AS_OF, user=cast["outsider"])["loans"] == []


def test_loan_page_context_has_guarantors_release_date_and_full_trail(units):
    loan = make_loan(units, "L1", 1, name="王五")
    Guarantor.objects.create(loan=loan, name="李四")
    Guarantor.objects.create(loan=loan, name="赵六", guarantee_months=24)
    on_roster(loan.borrower, "imprisoned", D(2024, 1, 1), **{"刑满释放日期": "2027-06-30"})
    action(loan, D(2022, 5, 10), method="phone", signature="")
    action(loan, D(2026, 5, 1))  # after the as-of day: shown as ignored
    clock = loan_clock_context(loan, AS_OF)["legal_clock"]
    assert [(g.name, g.ends_on) for g in clock.guarantees] == [("李*", D(2020, 9, 15)), ("赵*", D(2022, 3, 15))]
    assert clock.release_date == D(2027, 6, 30)
    assert [s.on for s in clock.trail if s.effect == "ignored"] == [D(2022, 5, 10), D(2026, 5, 1)]
