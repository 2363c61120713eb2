"""The limitation clock as a table: each row worked by hand from DOMAIN.md "Legal clocks" (no database).

Counting: the day of the event is not counted, so a 3-year period from an event on D ends at the close
of the same calendar date three years on (29 Feb → 28 Feb). A loan maturing 2020-03-15 lapses at the
end of 2023-03-15.

The table checks that counting (arts. 201–202) alone, on a calendar without rest days; moving a last day
past weekends and holidays (art. 203) is test_clocks_calendar.py's, on the real State Council schedules.
"""
import datetime as dt

import pytest

from npl.collection.clocks import (
    Action,
    Agreement,
    GuarantorFact,
    Intervals,
    Payment,
    Suit,
    add_months,
    add_years,
    compute_limitation,
    status_for,
)
from npl.core.workdays import Calendar

D = dt.date
M = D(2020, 3, 15)  # the usual maturity: limitation deadline 2023-03-15
OLD = D(2018, 6, 30)  # an old maturity: lapsed at the end of 2021-06-30
BANK = "bank_sued_borrower"
BORROWER_SUIT = "borrower_sued_bank"


class EveryDayWorking(Calendar):
    """A calendar in which no day is a rest day: the nominal last day is the last day."""

    def rest_day(self, day):
        return False, ""

    def has_schedule(self, year):
        return True


COUNTING_ONLY = EveryDayWorking()


def signed(day, who="borrower", method="letter"):
    return Action(day, method, who)


def newspaper(day):
    return Action(day, "newspaper", "")


def lost_from(start, end=None):
    return Intervals([(start, end)])


CASES = [
    # id, maturity, events, as_of, lost-contact days, deadline, basis, status
    ("no_event_runs_three_years_from_maturity", M, [], D(2022, 1, 1), None, D(2023, 3, 15), "maturity", "ok"),
    ("maturity_on_29_february_ends_on_28_february", D(2020, 2, 29), [], D(2022, 12, 31), None, D(2023, 2, 28), "maturity", "due_3m"),
    (
        "signed_notice_on_29_february_moves_deadline_to_28_february",
        D(2021, 6, 30), [signed(D(2024, 2, 29))], D(2026, 9, 30), None, D(2027, 2, 28), "signed_notice", "due_6m",
    ),
    ("borrower_signature_on_the_deadline_day_still_interrupts", M, [signed(D(2023, 3, 15))], D(2026, 3, 1), None, D(2026, 3, 15), "signed_notice", "due_1m"),
    ("relative_signature_on_the_deadline_day_still_interrupts", M, [signed(D(2023, 3, 15), "relative")], D(2026, 3, 1), None, D(2026, 3, 15), "signed_notice", "due_1m"),
    ("borrower_signature_the_day_after_the_deadline_revives", M, [signed(D(2023, 3, 16))], D(2026, 3, 1), None, D(2026, 3, 16), "revived", "due_1m"),
    ("relative_signature_the_day_after_the_deadline_does_nothing", M, [signed(D(2023, 3, 16), "relative")], D(2026, 3, 1), None, D(2023, 3, 15), "maturity", "lapsed"),
    ("relative_signature_before_lapse_interrupts", M, [signed(D(2022, 5, 10), "relative", "visit")], D(2023, 1, 10), None, D(2025, 5, 10), "signed_notice", "ok"),
    ("refused_notice_does_not_interrupt", M, [signed(D(2022, 5, 10), "refused")], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("unsigned_notice_does_not_interrupt", M, [signed(D(2022, 5, 10), "unsigned")], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("phone_call_without_signature_does_not_interrupt", M, [Action(D(2022, 5, 10), "phone", "")], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("lawyer_letter_signed_by_borrower_interrupts", M, [signed(D(2022, 5, 10), method="lawyer")], D(2023, 1, 10), None, D(2025, 5, 10), "signed_notice", "ok"),
    (
        "newspaper_notice_while_on_lost_contact_roster_interrupts",
        M, [newspaper(D(2022, 5, 10))], D(2023, 1, 10), lost_from(D(2022, 1, 1)), D(2025, 5, 10), "newspaper_notice", "ok",
    ),
    (
        "newspaper_notice_before_the_borrower_joins_the_roster_does_nothing",
        M, [newspaper(D(2022, 5, 10))], D(2023, 1, 10), lost_from(D(2022, 6, 1)), D(2023, 3, 15), "maturity", "due_3m",
    ),
    (
        "newspaper_notice_after_the_borrower_left_the_roster_does_nothing",
        M, [newspaper(D(2022, 5, 10))], D(2023, 1, 10), lost_from(D(2021, 1, 1), D(2022, 5, 10)), D(2023, 3, 15), "maturity", "due_3m",
    ),
    ("newspaper_notice_for_a_borrower_never_lost_does_nothing", M, [newspaper(D(2022, 5, 10))], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("revival_after_lapse_by_the_borrowers_own_signature", OLD, [signed(D(2024, 2, 29))], D(2026, 3, 31), None, D(2027, 2, 28), "revived", "ok"),
    ("revival_after_lapse_by_a_repayment", OLD, [Payment(D(2025, 5, 20))], D(2026, 3, 31), None, D(2028, 5, 20), "revived", "ok"),
    ("revival_after_lapse_by_a_signed_agreement", OLD, [Agreement(D(2025, 5, 20))], D(2026, 3, 31), None, D(2028, 5, 20), "revived", "ok"),
    ("no_revival_by_a_relatives_signature", OLD, [signed(D(2024, 1, 10), "relative")], D(2026, 3, 31), None, D(2021, 6, 30), "maturity", "lapsed"),
    ("no_revival_by_a_newspaper_notice", OLD, [newspaper(D(2024, 1, 10))], D(2026, 3, 31), lost_from(D(2020, 1, 1)), D(2021, 6, 30), "maturity", "lapsed"),
    (
        "after_a_revival_a_relatives_signature_interrupts_again",
        OLD, [signed(D(2024, 2, 29)), signed(D(2025, 1, 10), "relative")], D(2026, 3, 31), None, D(2028, 1, 10), "signed_notice", "ok",
    ),
    (
        "same_day_relative_and_borrower_signatures_after_lapse_revive",
        OLD, [signed(D(2024, 1, 10), "relative"), signed(D(2024, 1, 10))], D(2026, 3, 31), None, D(2027, 1, 10), "revived", "ok",
    ),
    ("repayment_interrupts", M, [Payment(D(2022, 7, 1))], D(2023, 1, 10), None, D(2025, 7, 1), "repayment", "ok"),
    ("signed_agreement_interrupts", M, [Agreement(D(2022, 7, 1))], D(2023, 1, 10), None, D(2025, 7, 1), "agreement", "ok"),
    (
        "the_latest_interruption_sets_the_deadline",
        M, [signed(D(2022, 1, 10)), Payment(D(2024, 7, 1))], D(2026, 3, 31), None, D(2027, 7, 1), "repayment", "ok",
    ),
    ("unconfirmed_repayment_does_not_count", M, [Payment(D(2022, 7, 1), confirmed=False)], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("court_enforced_money_is_not_the_borrowers_act", M, [Payment(D(2022, 7, 1), channel="court")], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    (
        "events_on_or_before_maturity_do_not_move_the_clock",
        M, [signed(D(2020, 1, 10)), Payment(M), Agreement(M)], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m",
    ),
    ("events_after_the_as_of_date_are_ignored", M, [signed(D(2023, 2, 1)), Payment(D(2023, 1, 11))], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("bank_suit_pending_suspends_the_clock", M, [Suit(BANK, D(2022, 8, 1))], D(2026, 3, 31), None, None, "lawsuit", "suspended_by_suit"),
    (
        "bank_suit_judged_stays_suspended",
        M, [Suit(BANK, D(2022, 8, 1), judgment_on=D(2024, 5, 20))], D(2026, 3, 31), None, None, "lawsuit", "suspended_by_suit",
    ),
    (
        "bank_suit_enforcing_stays_suspended",
        M, [Suit(BANK, D(2022, 8, 1), judgment_on=D(2023, 5, 20), enforcement_case_no="（2023）执100号", has_enforcement=True)],
        D(2026, 3, 31), None, None, "lawsuit", "suspended_by_suit",
    ),
    (
        "bank_suit_filed_after_lapse_is_still_suspended_while_pending",
        OLD, [Suit(BANK, D(2025, 1, 10))], D(2026, 3, 31), None, None, "lawsuit", "suspended_by_suit",
    ),
    (
        "bank_suit_withdrawn_restarts_from_its_end",
        M, [Suit(BANK, D(2022, 8, 1), closed=True, closed_on=D(2022, 12, 1))], D(2025, 10, 15), None, D(2025, 12, 1), "lawsuit", "due_3m",
    ),
    (
        "bank_suit_filed_after_lapse_and_withdrawn_does_nothing",
        OLD, [Suit(BANK, D(2024, 8, 1), closed=True, closed_on=D(2024, 12, 1))], D(2025, 10, 15), None, D(2021, 6, 30), "maturity", "lapsed",
    ),
    (
        "bank_suit_closed_undated_without_judgment_restarts_from_its_filing",
        M, [Suit(BANK, D(2022, 8, 1), closed=True)], D(2025, 6, 1), None, D(2025, 8, 1), "lawsuit", "due_3m",
    ),
    (
        "bank_suit_closed_after_enforcement_stays_suspended",
        M, [Suit(BANK, D(2022, 8, 1), enforcement_case_no="（2023）执1号", has_enforcement=True, closed=True)],
        D(2026, 3, 31), None, None, "lawsuit", "suspended_by_suit",
    ),
    (
        "signed_notice_after_a_withdrawn_suit_interrupts_again",
        M, [Suit(BANK, D(2022, 8, 1), closed=True, closed_on=D(2022, 12, 1)), signed(D(2024, 1, 10), "relative")],
        D(2025, 10, 15), None, D(2027, 1, 10), "signed_notice", "ok",
    ),
    ("bank_suit_filed_after_the_as_of_date_is_ignored", M, [Suit(BANK, D(2023, 2, 1))], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("borrowers_suit_against_the_bank_does_nothing", M, [Suit(BORROWER_SUIT, D(2022, 8, 1))], D(2023, 1, 10), None, D(2023, 3, 15), "maturity", "due_3m"),
    (
        "borrowers_suit_against_the_bank_after_lapse_does_nothing",
        OLD, [Suit(BORROWER_SUIT, D(2024, 8, 1))], D(2026, 3, 31), None, D(2021, 6, 30), "maturity", "lapsed",
    ),
    ("status_due_1m_on_the_deadline_day_itself", M, [], D(2023, 3, 15), None, D(2023, 3, 15), "maturity", "due_1m"),
    ("status_lapsed_the_day_after_the_deadline", M, [], D(2023, 3, 16), None, D(2023, 3, 15), "maturity", "lapsed"),
    ("status_due_1m_at_exactly_one_month", M, [], D(2023, 2, 15), None, D(2023, 3, 15), "maturity", "due_1m"),
    ("status_due_3m_a_day_past_one_month", M, [], D(2023, 2, 14), None, D(2023, 3, 15), "maturity", "due_3m"),
    ("status_due_6m_at_exactly_six_months", M, [], D(2022, 9, 15), None, D(2023, 3, 15), "maturity", "due_6m"),
    ("status_ok_a_day_past_six_months", M, [], D(2022, 9, 14), None, D(2023, 3, 15), "maturity", "ok"),
    # as-of 2022-08-31 + 6 months = 2023-02-28 (no 31 February): a deadline of 28 Feb is within, 1 March is not
    ("six_months_from_31_august_ends_on_28_february", D(2020, 2, 28), [], D(2022, 8, 31), None, D(2023, 2, 28), "maturity", "due_6m"),
    ("six_months_from_31_august_excludes_1_march", D(2020, 3, 1), [], D(2022, 8, 31), None, D(2023, 3, 1), "maturity", "ok"),
]


@pytest.mark.parametrize(
    "maturity, events, as_of, lost, deadline, basis, status", [pytest.param(*row[1:], id=row[0]) for row in CASES]
)
def test_limitation_clock_case(maturity, events, as_of, lost, deadline, basis, status):
    clock = compute_limitation(maturity, events, as_of, lost if lost is not None else frozenset(), calendar=COUNTING_ONLY)
    assert (clock.deadline, clock.basis, clock.status) == (deadline, basis, status)


ENFORCEMENT = [
    ("pending_suit_has_no_enforcement_deadline", Suit(BANK, D(2022, 8, 1)), D(2026, 3, 31), None),
    ("two_years_from_the_judgment_date", Suit(BANK, D(2022, 8, 1), judgment_on=D(2024, 5, 20)), D(2026, 3, 31), D(2026, 5, 20)),
    (
        "two_years_from_a_recorded_performance_period",
        Suit(BANK, D(2022, 8, 1), judgment_on=D(2024, 5, 20), performance_due=D(2024, 6, 30)),
        D(2026, 3, 31),
        D(2026, 6, 30),
    ),
    ("judgment_on_29_february", Suit(BANK, D(2022, 8, 1), judgment_on=D(2024, 2, 29)), D(2025, 3, 31), D(2026, 2, 28)),
    ("judgment_after_the_as_of_date_does_not_count_yet", Suit(BANK, D(2022, 8, 1), judgment_on=D(2026, 4, 1)), D(2026, 3, 31), None),
    (
        "an_enforcement_case_number_stops_the_clock",
        Suit(BANK, D(2022, 8, 1), judgment_on=D(2023, 5, 20), enforcement_case_no="（2023）执100号", has_enforcement=True),
        D(2026, 3, 31),
        None,
    ),
    (
        "enforcement_filed_after_the_as_of_date_does_not_stop_it_yet",
        Suit(
            BANK, D(2022, 8, 1), judgment_on=D(2024, 5, 20), enforcement_case_no="（2026）执9号",
            enforcement_on=D(2026, 5, 1), has_enforcement=True,
        ),
        D(2026, 3, 31),
        D(2026, 5, 20),
    ),
    ("borrowers_suit_has_no_enforcement_deadline", Suit(BORROWER_SUIT, D(2022, 8, 1), judgment_on=D(2024, 5, 20)), D(2026, 3, 31), None),
]


@pytest.mark.parametrize("suit, as_of, expected", [pytest.param(*row[1:], id=row[0]) for row in ENFORCEMENT])
def test_enforcement_deadline_case(suit, as_of, expected):
    assert compute_limitation(M, [suit], as_of).enforcement_deadline == expected


def test_lapsed_enforcement_deadline_is_flagged_lapsed():
    clock = compute_limitation(M, [Suit(BANK, D(2022, 8, 1), judgment_on=D(2023, 5, 20))], D(2026, 3, 31))
    assert (clock.enforcement_deadline, clock.enforcement_status) == (D(2025, 5, 20), "lapsed")


def test_years_and_months_follow_the_end_of_month_rule():
    assert add_years(D(2024, 2, 29), 3) == D(2027, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)


def test_status_is_never_due_for_a_deadline_already_past():
    assert status_for(D(2023, 3, 15), D(2023, 3, 16)) == "lapsed"


def test_trail_says_which_events_moved_the_clock_and_why_others_did_not():
    clock = compute_limitation(
        M,
        [signed(D(2022, 5, 10), "refused"), signed(D(2022, 6, 1)), newspaper(D(2022, 7, 1)), signed(D(2019, 1, 1))],
        D(2023, 1, 10),
    )
    moved = [(s.on, s.effect) for s in clock.trail if s.moved]
    assert moved == [(M, "start"), (D(2022, 6, 1), "interrupt")]
    reasons = {s.on: s.reason for s in clock.trail if s.effect == "ignored"}
    assert "拒签" in reasons[D(2022, 5, 10)]
    assert "失联" in reasons[D(2022, 7, 1)]
    assert "到期日" in reasons[D(2019, 1, 1)]
    assert [s.on for s in clock.trail] == sorted(s.on for s in clock.trail)


def test_a_revival_is_flagged_for_legal_review():
    assert compute_limitation(OLD, [Payment(D(2025, 5, 20))], D(2026, 3, 31)).needs_legal_review
    assert not compute_limitation(M, [Payment(D(2022, 5, 20))], D(2023, 1, 10)).needs_legal_review


def test_a_suit_filed_after_lapse_is_flagged_for_legal_review():
    clock = compute_limitation(OLD, [Suit(BANK, D(2025, 1, 10))], D(2026, 3, 31))
    assert clock.needs_legal_review
    assert "抗辩" in [s for s in clock.trail if s.effect == "suit"][0].reason


def test_guarantee_period_is_six_months_after_maturity_unless_the_contract_says_otherwise():
    clock = compute_limitation(
        D(2020, 2, 29),
        [signed(D(2020, 5, 1))],  # a demand on the borrower does not stretch the guarantee period
        D(2020, 7, 1),
        guarantors=[GuarantorFact("李*"), GuarantorFact("王*", months=24), GuarantorFact("赵*", released_on=D(2020, 6, 1))],
    )
    got = [(g.name, g.months, g.contractual, g.ends_on, g.status) for g in clock.guarantees]
    assert got == [
        ("李*", 6, False, D(2020, 8, 31), "due_3m"),  # 29 August 2020 was a Saturday: to Monday the 31st
        ("王*", 24, True, D(2022, 2, 28), "ok"),
        ("赵*", 6, False, D(2020, 8, 31), "released"),
    ]
    assert clock.guarantees[0].nominal_ends_on == D(2020, 8, 29)
    assert clock.guarantees[0].ends_reason == "因周末顺延至8月31日"


def test_release_date_is_carried_and_known_as_past_or_not():
    assert compute_limitation(M, [], D(2026, 3, 31), release_date=D(2027, 1, 1)).released is False
    assert compute_limitation(M, [], D(2026, 3, 31), release_date=D(2026, 3, 31)).released is True


def test_manual_removal_from_lost_contact_wins_over_the_roster():
    days = Intervals([(D(2022, 1, 1), None)], minus=[(D(2022, 5, 1), D(2022, 6, 1))])
    assert D(2022, 4, 30) in days and D(2022, 5, 10) not in days and D(2022, 6, 1) in days
    clock = compute_limitation(M, [newspaper(D(2022, 5, 10))], D(2023, 1, 10), days)
    assert clock.basis == "maturity"


def test_report_row_has_the_intake_shape():
    row = compute_limitation(M, [Suit(BANK, D(2022, 8, 1), judgment_on=D(2024, 5, 20))], D(2026, 3, 31)).report_row("L1")
    assert row == {
        "loan_no": "L1",
        "limitation_deadline": None,
        "limitation_basis": "lawsuit",
        "limitation_status": "suspended_by_suit",
        "enforcement_deadline": "2026-05-20",
        "limitation_nominal_deadline": None,
        "limitation_deadline_reason": None,
        "limitation_schedule_missing": False,
        "enforcement_nominal_deadline": "2026-05-20",
        "enforcement_deadline_reason": None,
        "enforcement_schedule_missing": False,
        "enforcement_status": "due_3m",
    }
