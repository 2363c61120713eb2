"""A court file may give a later stage (终本) without a date: it counts from the day it was known, never before."""
import datetime as dt

from django.utils import timezone

from npl import testing
from npl.advice import services
from npl.advice.facts import build_facts
from npl.litigation.models import CaseStage, LitigationCase
from npl.loans.models import Loan

KNOWN = dt.date(2026, 5, 1)


def _terminated_case(units):
    loan = testing.loan("IMP1", testing.borrower(301, "赵六"), units.town_a, units.branch_a, maturity=dt.date(2024, 1, 10))
    case = LitigationCase.objects.create(loan=loan, direction="bank_sued_borrower", case_no="（2025）陕0523民初9号",
                                         filed_on=dt.date(2025, 3, 1), judgment_on=dt.date(2025, 6, 1),
                                         counted_from=dt.date(2025, 3, 1), stage="terminated_round")
    CaseStage.objects.create(case=case, stage="filed", on=dt.date(2025, 3, 1))
    CaseStage.objects.create(case=case, stage="judged", on=dt.date(2025, 6, 1))
    # Recorded (as an import would) on KNOWN: the file said 终本 that day and had no column for its date.
    LitigationCase.objects.filter(pk=case.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 5, 1, 10)))
    return loan


def test_an_undated_terminated_stage_counts_from_the_day_it_was_known(units):
    loan = _terminated_case(units)
    facts = next(build_facts(Loan.objects.filter(pk=loan.pk), dt.date(2026, 6, 30)))
    assert (facts.get("litigation_stage"), facts.get("litigation_stage_on")) == ("terminated_round", KNOWN)
    found = {(s.action, s.due) for s in services.suggestions_for(Loan.objects.filter(pk=loan.pk), dt.date(2026, 6, 30))}
    assert ("request_dishonest_listing", KNOWN + dt.timedelta(days=15)) in found


def test_before_it_was_known_the_case_stands_at_its_last_dated_stage(units):
    loan = _terminated_case(units)
    facts = next(build_facts(Loan.objects.filter(pk=loan.pk), dt.date(2026, 4, 15)))
    assert (facts.get("litigation_stage"), facts.get("litigation_stage_on")) == ("judged", dt.date(2025, 6, 1))
