"""Case services: stage order and dates, who may do what, judgment, enforcement money, 失信, versions."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl.litigation import services
from npl.litigation.models import CaseStage, LitigationCase
from npl.loans.models import LoanEvent

pytestmark = pytest.mark.django_db
D = dt.date


def stages_of(case):
    return list(case.stages.order_by("on", "pk").values_list("stage", "on"))


def test_the_court_liaison_moves_a_case_through_its_stages_each_dated_with_an_event(case, move, court):
    move(case, ("accepted", D(2026, 2, 20)), ("trial", D(2026, 3, 20)), ("judged", D(2026, 4, 1)))
    assert case.stage == "judged"
    assert (case.accepted_on, case.judgment_on) == (D(2026, 2, 20), D(2026, 4, 1))
    assert [s for s, _ in stages_of(case)][-3:] == ["accepted", "trial", "judged"]
    last = LoanEvent.objects.filter(loan=case.loan, kind="litigation").latest("pk")
    assert (last.field, last.before, last.after, last.actor, last.occurred_on) == ("stage", "trial", "judged", court, D(2026, 4, 1))
    assert "审理中 → 已判决" in last.note


def test_an_early_stage_cannot_be_recorded_after_a_later_one(case, move, court):
    move(case, ("judged", D(2026, 4, 1)))
    with pytest.raises(ValidationError, match="不能从“已判决”直接进入“已立案”"):
        services.advance_stage(case, court, stage="accepted", on=D(2026, 4, 2))


def test_a_stage_dated_before_the_previous_one_is_refused(case, move, court):
    move(case, ("accepted", D(2026, 3, 1)))
    with pytest.raises(ValidationError, match="不能早于上一阶段日期（2026-03-01）"):
        services.advance_stage(case, court, stage="trial", on=D(2026, 2, 28))
    services.advance_stage(case, court, stage="trial", on=D(2026, 3, 1))  # the same day is fine


def test_a_stage_cannot_be_dated_before_the_filing_or_in_the_future(case, court):
    with pytest.raises(ValidationError, match="2026-02-10"):
        services.advance_stage(case, court, stage="accepted", on=D(2026, 2, 9))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.advance_stage(case, court, stage="accepted", on=D(2099, 1, 1))


def test_enforcement_needs_a_judgment_or_mediation(case, move, court):
    with pytest.raises(ValidationError, match="尚无生效判决或调解，不能申请执行"):
        services.advance_stage(case, court, stage="enforcement_applied", on=D(2026, 3, 1))
    move(case, ("mediated", D(2026, 3, 5)))
    services.advance_stage(case, court, stage="enforcement_applied", on=D(2026, 4, 10))
    case.refresh_from_db()
    assert case.stage == "enforcement_applied"


def test_a_round_terminated_can_be_resumed_and_terminated_again_then_closed(enforcing, move, court):
    case = move(enforcing, ("terminated_round", D(2026, 6, 1)), ("resumed", D(2026, 7, 1)),
                ("terminated_round", D(2026, 8, 1)), ("resumed", D(2026, 9, 1)), ("closed", D(2026, 9, 30)))
    assert case.stage == "closed"
    with pytest.raises(ValidationError, match="案件已结案"):
        services.advance_stage(case, court, stage="resumed", on=D(2026, 10, 1))


def test_only_a_terminated_round_can_be_resumed(enforcing, court):
    with pytest.raises(ValidationError, match="只有终结本次执行的案件才能恢复执行"):
        services.advance_stage(enforcing, court, stage="resumed", on=D(2026, 6, 1))


def test_entering_enforcement_records_its_case_number_and_date_for_the_clocks(enforcing):
    assert enforcing.enforcement_case_no == "（2026）陕0523执55号"
    assert enforcing.enforcement_filed_on == D(2026, 5, 6)


@pytest.mark.parametrize("role", ["district_admin", "district_leader", "township_admin", "collector", "branch_staff",
                                  "police_liaison", "discipline_liaison", "outsider"])
def test_no_one_but_the_court_liaison_advances_a_stage(case, cast, role):
    with pytest.raises(PermissionDenied, match="只有区法院联络人可以变更诉讼阶段"):
        services.advance_stage(case, cast[role], stage="accepted", on=D(2026, 2, 20))
    assert CaseStage.objects.filter(case=case).count() == 0


@pytest.mark.parametrize("service, kwargs", [
    (services.record_judgment, {"amount": "1000.00"}),
    (services.record_enforcement_recovery, {"amount": "1000.00", "on": D(2026, 6, 1)}),
    (services.mark_dishonest_listed, {"on": D(2026, 6, 1)}),
])
def test_judgment_recovery_and_listing_are_the_court_liaisons_alone(enforcing, cast, service, kwargs):
    for role in ("district_admin", "township_admin", "branch_staff", "collector"):
        with pytest.raises(PermissionDenied):
            service(enforcing, cast[role], **kwargs)


def test_the_township_district_and_branch_file_a_case_the_court_liaison_does_not(loans, cast):
    la001 = loans["LA001"]
    case = services.file_case(la001, cast["branch_staff"], direction="bank_sued_borrower", case_no="（2026）陕0523民初7号",
                              court="西岭区人民法院", filed_on=D(2026, 3, 2))
    assert (case.stage, case.counted_from, case.filed_by) == ("filed", D(2026, 3, 2), cast["branch_staff"])
    assert stages_of(case) == [("filed", D(2026, 3, 2))]
    assert LoanEvent.objects.filter(loan=la001, kind="litigation", field="case").count() == 1
    with pytest.raises(ValidationError, match="已登记案号"):
        services.file_case(la001, cast["township_admin"], direction="bank_sued_borrower", case_no="（2026）陕0523民初7号",
                           filed_on=D(2026, 3, 2))
    for role in ("court_liaison", "collector", "district_leader"):
        with pytest.raises(PermissionDenied):
            services.file_case(la001, cast[role], direction="bank_sued_borrower", case_no="X1", filed_on=D(2026, 3, 2))


def test_a_case_cannot_be_filed_on_a_loan_out_of_scope(loans, cast):
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.file_case(loans["LB001"], cast["township_admin"], direction="bank_sued_borrower", case_no="X2",
                           filed_on=D(2026, 3, 2))
    assert not LitigationCase.objects.filter(case_no="X2").exists()


def test_the_judgment_records_amount_and_performance_period_after_the_judgment_stage(case, move, court):
    with pytest.raises(ValidationError, match="请先将案件阶段登记为“判决”或“调解”"):
        services.record_judgment(case, court, amount="300000")
    move(case, ("judged", D(2026, 4, 1)))
    with pytest.raises(ValidationError, match="履行期限届满日不能早于判决日期"):
        services.record_judgment(case, court, amount="300000", performance_due=D(2026, 3, 1))
    services.record_judgment(case, court, amount="300,000.50", performance_due=D(2026, 4, 16))
    case.refresh_from_db()
    assert (case.judgment_amount, case.performance_due) == (Decimal("300000.50"), D(2026, 4, 16))
    ev = LoanEvent.objects.filter(loan=case.loan, field="judgment").get()
    assert ev.after["judgment_amount"] == "300000.50" and ev.before["judgment_amount"] is None


def test_enforcement_money_adds_up_on_the_case_and_each_sum_is_a_row(enforcing, court):
    with pytest.raises(ValidationError, match="不能早于执行开始日期"):
        services.record_enforcement_recovery(enforcing, court, amount="1", on=D(2026, 4, 30))
    services.record_enforcement_recovery(enforcing, court, amount="20000", on=D(2026, 6, 1), txn_no="T-COURT-1")
    services.record_enforcement_recovery(enforcing, court, amount="5000.25", on=D(2026, 7, 1))
    enforcing.refresh_from_db()
    assert enforcing.enforcement_recovered == Decimal("25000.25")
    assert sum(r.amount for r in enforcing.recoveries.all()) == enforcing.enforcement_recovered
    assert LoanEvent.objects.filter(loan=enforcing.loan, field="enforcement_recovered").count() == 2


def test_no_enforcement_money_before_enforcement(case, court):
    with pytest.raises(ValidationError, match="尚未进入执行阶段"):
        services.record_enforcement_recovery(case, court, amount="100", on=D(2026, 3, 1))


def test_dishonest_listing_is_requested_by_the_bank_side_then_marked_by_the_court(enforcing, cast, court):
    with pytest.raises(PermissionDenied):
        services.request_dishonest_listing(enforcing, cast["collector"], on=D(2026, 6, 1))
    services.request_dishonest_listing(enforcing, cast["branch_staff"], on=D(2026, 6, 1))
    enforcing.refresh_from_db()
    assert (enforcing.dishonest_listing, enforcing.dishonest_requested_on) == ("requested", D(2026, 6, 1))
    with pytest.raises(ValidationError, match="已是“已申请”"):
        services.request_dishonest_listing(enforcing, cast["township_admin"], on=D(2026, 6, 2))
    with pytest.raises(ValidationError, match="不能早于申请日期"):
        services.mark_dishonest_listed(enforcing, court, on=D(2026, 5, 30))
    services.mark_dishonest_listed(enforcing, court, on=D(2026, 6, 20))
    enforcing.refresh_from_db()
    assert (enforcing.dishonest_listing, enforcing.dishonest_listed_on) == ("listed", D(2026, 6, 20))
    notes = list(LoanEvent.objects.filter(loan=enforcing.loan, field="dishonest_listing").values_list("note", flat=True))
    assert len(notes) == 2 and all("李" not in n for n in notes), "the timeline never carries the debtor's name"


def test_no_dishonest_listing_before_enforcement_or_on_a_suit_against_the_bank(case, loans, cast, court):
    with pytest.raises(ValidationError, match="尚未进入执行阶段"):
        services.request_dishonest_listing(case, cast["branch_staff"], on=D(2026, 3, 1))
    against_bank = services.file_case(loans["LA001"], cast["township_admin"], direction="borrower_sued_bank",
                                      case_no="（2026）陕0523民初9号", filed_on=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="只有银行起诉借款人的案件"):
        services.mark_dishonest_listed(against_bank, court, on=D(2026, 3, 2))


def test_a_form_showing_an_old_version_loses_to_the_person_who_acted_first(case, court):
    shown = case.version
    services.advance_stage(case, court, stage="accepted", on=D(2026, 2, 20), expected_version=shown)
    with pytest.raises(services.StaleCase, match="已被他人更新"):
        services.advance_stage(case, court, stage="trial", on=D(2026, 3, 1), expected_version=shown)
    case.refresh_from_db()
    assert (case.stage, case.version) == ("accepted", shown + 1)
    assert [s for s, _ in stages_of(case)] == ["accepted"]


def test_every_service_bumps_the_version(enforcing, court, cast):
    v = enforcing.version
    services.record_judgment(enforcing, court, amount="1000")
    services.record_enforcement_recovery(enforcing, court, amount="10", on=D(2026, 6, 1))
    services.request_dishonest_listing(enforcing, cast["district_admin"], on=D(2026, 6, 1))
    enforcing.refresh_from_db()
    assert enforcing.version == v + 3
