"""Acceptance (issue #7): scenario loans built through the services get exactly the suggestions the default
rules promise — action codes and due dates — with a why that names the facts.

As-of day 2026-06-30; rosters and lists start on 2026-05-01 unless a row says otherwise. Every loan
matures 2025-01-10 (limitation clock `ok` until 2028) unless it is a clock scenario.
"""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from npl import testing
from npl.advice import services
from npl.categories.models import LoanListEntry, RosterEntry, RosterPerson
from npl.collection import services as collection
from npl.core import derived
from npl.litigation import services as litigation
from npl.loans.models import Guarantor, Loan

AS_OF = dt.date(2026, 6, 30)
LISTED = dt.date(2026, 5, 1)
SAFE_MATURITY = dt.date(2025, 1, 10)
D = dt.date


def on_roster(borrower, kind, *, valid_from=LISTED, **details):
    person, _ = RosterPerson.objects.get_or_create(
        id_hash=borrower.id_hash, defaults={"id_cipher": borrower.id_cipher, "id_masked": borrower.id_masked, "name": borrower.name}
    )
    entry = RosterEntry.objects.create(kind=kind, person=person, name=borrower.name, valid_from=valid_from, details=details)
    derived.refresh(borrower.loans.values_list("pk", flat=True), source="roster", setup=True)  # as the import leaves them
    return entry


class Scenarios:
    """Builds one loan per scenario in town A, assigned to the cast's collector."""

    def __init__(self, units, cast):
        self.units, self.cast, self.seed = units, cast, 100

    def loan(self, loan_no, *, maturity=SAFE_MATURITY, **extra):
        self.seed += 1
        who = testing.borrower(self.seed, "赵六")
        return testing.loan(loan_no, who, self.units.town_a, self.units.branch_a, maturity=maturity,
                            collector=self.cast["collector"], **extra)

    def case(self, loan, filed_on, *stages):
        """A bank suit filed by the township admin, moved through `stages` [(stage, day)] by the court liaison."""
        case = litigation.file_case(loan, self.cast["township_admin"], direction="bank_sued_borrower",
                                    case_no=f"（{filed_on.year}）陕0523民初{loan.pk}号", filed_on=filed_on)
        for stage, on in stages:
            case.refresh_from_db()
            litigation.advance_stage(case, self.cast["court_liaison"], stage=stage, on=on,
                                     enforcement_case_no="（2024）陕0523执1号" if stage == "enforcing" else "")
        return case


def build(units, cast):
    s = Scenarios(units, cast)
    on_roster(s.loan("S-PUBLIC").borrower, "public_servant")
    listed = LoanListEntry.objects.create(loan=s.loan("S-IMPERSONATED"), subcategory="impersonated", valid_from=LISTED)
    derived.refresh([listed.loan_id], source="loanlist", setup=True)  # as the list import leaves them
    on_roster(s.loan("S-DIBAO").borrower, "dibao")
    on_roster(s.loan("S-DECEASED").borrower, "deceased")
    on_roster(s.loan("S-PRISON").borrower, "imprisoned", release_date="2026-08-01")
    on_roster(s.loan("S-LOST").borrower, "lost_contact")
    on_roster(s.loan("S-LOST-3M", maturity=D(2023, 8, 20)).borrower, "lost_contact")
    on_roster(s.loan("S-NOMINAL").borrower, "nominal_household")
    s.loan("S-MORTGAGE", balance="1500000.00", guarantee="抵押")
    s.case(s.loan("S-SUED"), D(2025, 12, 1))
    sued_bank = s.loan("S-SUED-BANK")
    litigation.file_case(sued_bank, cast["township_admin"], direction="borrower_sued_bank", case_no="（2026）陕0523民初9号",
                         filed_on=D(2026, 2, 1))
    judged = s.case(s.loan("S-JUDGED"), D(2025, 6, 1), ("judged", D(2026, 3, 1)))
    assert judged.pk
    s.case(s.loan("S-ENF-DUE"), D(2024, 1, 10), ("judged", D(2024, 9, 15)))
    s.case(s.loan("S-ZHONGBEN"), D(2024, 1, 10), ("judged", D(2024, 6, 1)), ("enforcing", D(2024, 9, 1)),
           ("terminated_round", D(2025, 10, 1)))
    s.loan("S-OK")
    s.loan("S-6M", maturity=D(2023, 11, 15))
    s.loan("S-3M", maturity=D(2023, 8, 20))
    s.loan("S-1M", maturity=D(2023, 7, 20))
    s.loan("S-LAPSED", maturity=D(2023, 3, 15))
    revived = s.loan("S-REVIVED", maturity=D(2022, 1, 10))
    collection.record_action(revived, cast["collector"], acted_on=D(2025, 6, 1), method="visit", outcome_code="met_borrower",
                             signature="borrower")
    guaranteed = s.loan("S-GUARANTEE", maturity=D(2026, 3, 31))
    Guarantor.objects.create(loan=guaranteed, name="钱七")
    promised = s.loan("S-PROMISE")
    collection.record_action(promised, cast["collector"], acted_on=D(2026, 5, 10), method="visit", outcome_code="promised",
                             promise_amount=Decimal("1000.00"), promise_date=D(2026, 5, 20))
    planned = s.loan("S-PLAN")
    plan = collection.submit_plan(planned, cast["collector"], signed_on=D(2026, 4, 1),
                                  instalments=[(D(2026, 5, 1), Decimal("500.00")), (D(2026, 7, 1), Decimal("500.00"))])
    collection.decide_plan(plan, cast["township_admin"], approve=True)
    stale = s.loan("S-STALE")
    collection.record_action(stale, cast["collector"], acted_on=D(2026, 4, 1), method="phone", outcome_code="no_one")
    return s


def registered_plus(loan_no, days):
    return timezone.localdate(Loan.objects.get(loan_no=loan_no).created_at) + dt.timedelta(days=days)


EXPECTED = {
    # each category (DOMAIN.md "Suggested measures")
    "S-PUBLIC": {("discipline_referral", D(2026, 5, 31))},
    "S-IMPERSONATED": {("request_reduction", D(2026, 5, 31))},
    "S-DIBAO": {("offer_waiver", D(2026, 5, 31))},
    "S-DECEASED": {("collect_from_heirs", D(2026, 5, 31)), ("offer_waiver", D(2026, 6, 15))},
    "S-PRISON": {("suspend_interest", D(2026, 5, 31)), ("visit", D(2026, 8, 16))},
    "S-LOST": {("police_verification", D(2026, 5, 16)), ("file_lawsuit", D(2026, 7, 30))},
    "S-LOST-3M": {("police_verification", D(2026, 5, 16)), ("newspaper_notice", D(2026, 7, 21)), ("file_lawsuit", D(2026, 7, 30))},
    "S-NOMINAL": {("hand_over_residence", D(2026, 5, 31))},
    "S-MORTGAGE": {("task_force", "registered+30")},  # no source date for 大额抵押: counted from registration
    "S-SUED": {("task_force", D(2026, 6, 9))},  # 立案 211 days ago, still not tried
    "S-SUED-BANK": set(),  # the borrower sued the bank: nothing for the collector
    # a judgment not yet enforced, an enforcement deadline near, a 终本 case
    "S-JUDGED": {("apply_enforcement", D(2026, 3, 31))},
    "S-ENF-DUE": {("apply_enforcement", D(2026, 8, 16))},
    "S-ZHONGBEN": {("resume_enforcement", D(2026, 3, 30)), ("request_dishonest_listing", D(2025, 10, 16))},
    # each clock status
    "S-OK": set(),
    # deadlines are the last day moved past rest days (民法典 art. 203): Sun 2026-11-15 → Mon the 16th, less 90 days
    "S-6M": {("serve_notice", D(2026, 8, 18))},
    "S-3M": {("serve_notice", D(2026, 7, 21))},
    "S-1M": {("serve_notice", D(2026, 7, 13))},
    "S-LAPSED": {("serve_notice", D(2026, 4, 15))},  # lapsed Mon 2026-03-16 (Sun 15th extended), + 30 days
    "S-REVIVED": {("file_lawsuit", D(2025, 7, 31)), ("visit", D(2025, 8, 7))},
    "S-GUARANTEE": {("serve_notice", D(2026, 9, 15))},
    # the loan's flow
    "S-PROMISE": {("follow_up_promise", D(2026, 5, 24))},
    "S-PLAN": {("follow_up_plan", D(2026, 5, 5))},
    "S-STALE": {("visit", D(2026, 6, 7))},
}


@pytest.fixture
def scenario_suggestions(units, cast):
    build(units, cast)
    found = services.suggestions_for(Loan.objects.filter(loan_no__startswith="S-"), AS_OF)
    by_loan = {}
    for s in found:
        by_loan.setdefault(s.loan_no, []).append(s)
    return by_loan


def test_every_scenario_loan_gets_exactly_the_promised_actions_and_due_dates(scenario_suggestions):
    got = {no: {(s.action, s.due) for s in scenario_suggestions.get(no, [])} for no in EXPECTED}
    want = {no: {(a, registered_plus(no, 30) if d == "registered+30" else d) for a, d in pairs} for no, pairs in EXPECTED.items()}
    assert got == want


@pytest.mark.parametrize(
    ("loan_no", "rule", "words"),
    [
        ("S-PUBLIC", "public_servant_discipline", ["公职人员贷款"]),
        ("S-LOST-3M", "lost_contact_newspaper", ["借款人无法联系贷款", "诉讼时效状态为3个月内届满"]),
        ("S-3M", "limitation_3m", ["诉讼时效状态为3个月内届满", "不属于“借款人无法联系贷款”"]),
        ("S-PROMISE", "promise_broken", ["承诺还款已违约"]),
        ("S-PLAN", "instalment_missed", ["还款计划分期逾期"]),
        ("S-ZHONGBEN", "terminated_resume", ["银行起诉案件阶段为终结本次执行", "处于该阶段天数为272天（大于等于180天）"]),
        ("S-JUDGED", "judgment_unenforced", ["已判决未申请执行", "申请执行期限状态为正常"]),
        ("S-STALE", "stale_loan", ["距最近催收天数为90天（大于等于60天）"]),
        ("S-MORTGAGE", "large_mortgage_task_force", ["大额抵押贷款"]),
        ("S-LAPSED", "limitation_lapsed", ["诉讼时效状态为已届满", "诉讼时效届满日为2026-03-16"]),
        ("S-GUARANTEE", "guarantee_period", ["保证期间状态为3个月内届满", "保证期间届满日为2026-09-30"]),
    ],
)
def test_the_why_names_the_rule_and_the_facts_with_their_values(scenario_suggestions, loan_no, rule, words):
    (s,) = [s for s in scenario_suggestions[loan_no] if s.rule == rule]
    assert s.why.startswith("依据规则“")
    for word in words:
        assert word in s.why


def test_clock_suggestions_carry_their_deadline_legal_basis_and_script(scenario_suggestions):
    (s,) = scenario_suggestions["S-1M"]
    assert "2026-07-20" in s.text and "民法典第188条" in s.legal_basis and "签字" in s.script


def test_a_settled_loan_gets_nothing_even_when_a_rule_would_fire(units, cast):
    s = Scenarios(units, cast)
    lapsed = s.loan("S-SETTLED", maturity=D(2023, 3, 15))
    Loan.objects.filter(pk=lapsed.pk).update(status="settled")
    assert services.suggestions_for(Loan.objects.filter(pk=lapsed.pk), AS_OF) == []


def test_facts_are_as_of_the_day_a_later_promise_does_not_count_earlier(units, cast):
    s = Scenarios(units, cast)
    promised = s.loan("S-PROMISE2")
    collection.record_action(promised, cast["collector"], acted_on=D(2026, 5, 10), method="visit", outcome_code="promised",
                             promise_amount=Decimal("1000.00"), promise_date=D(2026, 5, 20))
    before = services.suggestions_for(Loan.objects.filter(pk=promised.pk), D(2026, 5, 9))
    assert [x.action for x in before] == []
