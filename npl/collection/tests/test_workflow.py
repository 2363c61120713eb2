"""The loan workflow: the table of moves (allowed and refused per state and role, in Chinese), optimistic
locking, events with who/when/why, interest suspension and write-off, and the 处置 page's scope."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from npl import testing
from npl.collection import services
from npl.collection.models import InterestSuspension
from npl.conftest import _put_on_roster
from npl.core import derived
from npl.loans import workflow
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan, LoanEvent

S = LoanStatus


def put(loan, status, **fields):
    """Set up a state directly (the test's given), bypassing the workflow."""
    Loan.objects.filter(pk=loan.pk).update(status=status, **fields)
    loan.refresh_from_db()
    return loan


def move(loan, to, who, reason="因为"):
    return workflow.transition(loan, to, user=who, reason=reason, expected_version=loan.version)


OK = "ok"
FORBIDDEN = PermissionDenied
# (state, target, role, outcome): OK; FORBIDDEN (a 403 on the page), or "403:" and its message; else the
# Chinese refusal of a wrong move expected in the message.
TABLE = [
    (S.REGISTERED, S.IN_COLLECTION, "collector", OK),
    (S.REGISTERED, S.IN_COLLECTION, "township_admin", OK),
    (S.REGISTERED, S.IN_COLLECTION, "district_leader", FORBIDDEN),
    (S.REGISTERED, S.IN_COLLECTION, "court_liaison", FORBIDDEN),
    (S.IN_COLLECTION, S.IN_COLLECTION, "collector", "贷款已是“清收中”状态"),
    (S.IN_COLLECTION, S.WRITTEN_OFF, "branch_staff", OK),
    (S.IN_COLLECTION, S.WRITTEN_OFF, "district_admin", OK),
    (S.IN_COLLECTION, S.WRITTEN_OFF, "collector", "403:您的角色（清收人员）无权核销（账销案存）"),
    (S.IN_COLLECTION, S.WRITTEN_OFF, "township_admin", FORBIDDEN),
    (S.PLAN_AGREED, S.WRITTEN_OFF, "branch_staff", OK),
    (S.IN_COLLECTION, S.SETTLED, "branch_staff", "本金余额尚未还清，不能结清"),
    (S.IN_COLLECTION, S.PARTLY_REPAID, "district_admin", "403:“部分还款”由系统根据还款和计划自动办理"),
    (S.IN_COLLECTION, S.PLAN_AGREED, "township_admin", "该贷款没有已批准的还款计划"),
    (S.IN_COLLECTION, S.PLAN_AGREED, "collector", FORBIDDEN),
    (S.IN_COLLECTION, S.REGISTERED, "district_admin", "“清收中”的贷款不能转为“已登记”"),
    (S.SETTLED, S.PLAN_AGREED, "township_admin", "已结清的贷款不能再确认还款计划"),
    (S.SETTLED, S.WRITTEN_OFF, "branch_staff", "已结清的贷款不能再核销（账销案存）"),
    (S.SETTLED, S.IN_COLLECTION, "district_admin", OK),  # the bank reversed a repayment: balance left
    (S.SETTLED, S.IN_COLLECTION, "collector", FORBIDDEN),
    (S.WRITTEN_OFF, S.IN_COLLECTION, "branch_staff", "已核销的贷款不能"),
    (S.WRITTEN_OFF, S.WRITTEN_OFF, "branch_staff", "贷款已是“已核销（账销案存）”状态"),
]


@pytest.mark.parametrize(("state", "target", "role", "outcome"), TABLE)
def test_transition_table(loans, cast, state, target, role, outcome):
    loan = put(loans["LA001"], state)
    who = cast[role]
    if outcome == OK:
        move(loan, target, who)
        loan.refresh_from_db()
        assert loan.status == target
    elif outcome is FORBIDDEN or outcome.startswith("403:"):
        with pytest.raises(PermissionDenied) as refused:
            move(loan, target, who)
        if outcome is not FORBIDDEN:
            assert str(refused.value) == outcome[4:]
        assert Loan.objects.get(pk=loan.pk).status == state
    else:
        with pytest.raises(ValidationError) as refused:
            move(loan, target, who)
        assert outcome in refused.value.messages[0]
        assert Loan.objects.get(pk=loan.pk).status == state


def test_a_move_writes_who_when_why_and_bumps_the_version(loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    version = loan.version
    move(loan, S.WRITTEN_OFF, cast["branch_staff"], reason="经总行批准核销，账销案存")
    loan.refresh_from_db()
    assert loan.version == version + 1
    event = LoanEvent.objects.filter(loan=loan, field="status").latest("pk")
    assert (event.kind, event.before, event.after) == ("status_changed", "in_collection", "written_off")
    assert event.actor == cast["branch_staff"] and event.note == "经总行批准核销，账销案存"
    assert event.occurred_on == timezone.localdate()


def test_write_off_needs_a_reason(loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    with pytest.raises(ValidationError, match="核销（账销案存）须填写原因"):
        services.write_off(loan, cast["branch_staff"], reason="  ", expected_version=loan.version)


def test_a_stale_version_is_refused_and_changes_nothing(loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    seen = loan.version
    move(loan, S.WRITTEN_OFF, cast["branch_staff"], reason="核销")
    stale = Loan.objects.get(pk=loan.pk)
    events = LoanEvent.objects.filter(loan=loan).count()
    with pytest.raises(ValidationError, match="该贷款已被他人修改，请刷新后重试"):
        workflow.transition(stale, S.SETTLED, user=cast["district_admin"], reason="x", expected_version=seen)
    assert LoanEvent.objects.filter(loan=loan).count() == events
    assert Loan.objects.get(pk=loan.pk).status == S.WRITTEN_OFF


def test_collectors_act_only_on_their_own_loans(loans, cast):
    other = loans["LA002"]  # same township, not assigned to the collector
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        move(other, S.IN_COLLECTION, cast["collector"])
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        move(loans["LB001"], S.WRITTEN_OFF, cast["branch_staff"], reason="另一网点的贷款")


def test_the_page_offers_the_moves_of_the_role_with_why_not(loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    offers = {o.move.code: o for o in workflow.offers(loan, cast["branch_staff"])}
    assert offers["write_off"].allowed
    assert not offers["settle"].allowed and offers["settle"].why == "本金余额尚未还清，不能结清"
    assert workflow.offers(loan, cast["collector"]) == []


def test_suspension_for_an_imprisoned_borrower_defaults_to_the_release_date(loans, cast):
    loan = loans["LA001"]
    entry = _put_on_roster(loan.borrower, "imprisoned")
    release = timezone.localdate() + dt.timedelta(days=400)
    entry.details = {"release_date": release.isoformat()}
    entry.save()
    derived.refresh(source="roster", setup=True)  # as the roster import would (the borrower has two loans)
    s = services.suspend_interest(loan, cast["branch_staff"], reason="借款人服刑", expected_version=loan.version)
    loan.refresh_from_db()
    assert s.until == release and loan.interest_suspended
    event = LoanEvent.objects.filter(loan=loan, field="interest_suspended").get()
    assert (event.before, event.after, event.actor) == (False, True, cast["branch_staff"])
    assert release.isoformat() in event.note


def test_suspension_without_a_release_date_needs_an_end_date(loans, cast):
    loan = loans["LA001"]
    with pytest.raises(ValidationError, match="请填写停息截止日期"):
        services.suspend_interest(loan, cast["branch_staff"], reason="困难", expected_version=loan.version)
    with pytest.raises(PermissionDenied):
        services.suspend_interest(loan, cast["collector"], reason="困难", until=timezone.localdate() + dt.timedelta(days=30), expected_version=loan.version)
    assert not Loan.objects.get(pk=loan.pk).interest_suspended


def test_the_sweep_resumes_interest_after_the_end_date(loans, cast):
    loan = loans["LA001"]
    today = timezone.localdate()
    services.suspend_interest(loan, cast["branch_staff"], reason="服刑", until=today + dt.timedelta(days=30),
                              expected_version=loan.version)
    assert services.sweep(today + dt.timedelta(days=30)).get("suspensions_ended", 0) == 0
    assert services.sweep(today + dt.timedelta(days=31))["suspensions_ended"] == 1
    loan.refresh_from_db()
    assert not loan.interest_suspended
    s = InterestSuspension.objects.get(loan=loan)
    assert s.ended_on == today + dt.timedelta(days=31) and s.ended_by is None
    assert LoanEvent.objects.filter(loan=loan, field="interest_suspended", after=False, actor__isnull=True).exists()


def test_a_written_off_loan_stays_collectible(loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    services.write_off(loan, cast["branch_staff"], reason="核销", expected_version=loan.version)
    action = services.record_action(loan, cast["collector"], acted_on=timezone.localdate(), method="visit", outcome_code="met_borrower")
    assert action.pk and Loan.objects.get(pk=loan.pk).status == S.WRITTEN_OFF
    rep = services.record_repayment(loan, cast["collector"], paid_on=timezone.localdate(), amount=loan.principal_balance)
    services.review_repayment(rep, cast["branch_staff"], confirm=True)
    assert Loan.objects.get(pk=loan.pk).status == S.SETTLED  # full repayment settles it even after write-off


# --- pages ------------------------------------------------------------------------------------------


def flow(loan_no):
    return reverse("collection:flow", args=[loan_no])


@pytest.mark.parametrize("role", ["district_admin", "township_admin", "collector", "branch_staff"])
def test_the_flow_page_opens_for_those_who_may_see_the_loan(client_for, loans, role):
    r = client_for(role).get(flow("LA001"))
    assert r.status_code == 200
    assert "当前状态" in r.content.decode() and "已登记" in r.content.decode()


@pytest.mark.parametrize(("role", "loan_no"), [("collector", "LA002"), ("branch_staff", "LB001"), ("township_admin", "LB001"),
                                               ("outsider", "LA001"), ("court_liaison", "LA001")])
def test_the_flow_page_of_a_loan_out_of_scope_is_404(client_for, loans, role, loan_no):
    assert client_for(role).get(flow(loan_no)).status_code == 404


def test_a_move_posted_by_a_role_not_allowed_is_403(client_for, loans):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    r = client_for("collector").post(reverse("collection:move", args=["LA001"]),
                                     {"to_state": "written_off", "version": loan.version, "reason": "x"})
    assert r.status_code == 403
    assert Loan.objects.get(pk=loan.pk).status == S.IN_COLLECTION


def test_a_move_posted_from_a_stale_page_says_refresh(client_for, loans, cast):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    seen = loan.version
    move(loan, S.WRITTEN_OFF, cast["district_admin"], reason="核销")
    r = client_for("branch_staff").post(reverse("collection:move", args=["LA001"]),
                                        {"to_state": "settled", "version": seen, "reason": "x"}, follow=True)
    assert "该贷款已被他人修改，请刷新后重试" in r.content.decode()


def test_branch_staff_see_the_write_off_button_and_use_it(client_for, loans):
    loan = put(loans["LA001"], S.IN_COLLECTION)
    page = client_for("branch_staff").get(flow("LA001")).content.decode()
    assert "核销（账销案存）" in page and f'name="version" value="{loan.version}"' in page
    r = client_for("branch_staff").post(reverse("collection:move", args=["LA001"]),
                                        {"to_state": "written_off", "version": loan.version, "reason": "呆账核销"}, follow=True)
    assert r.status_code == 200 and "已转为“已核销（账销案存）”" in r.content.decode()


def test_a_township_admin_of_another_township_cannot_reach_the_loan(loans, units):
    other_admin = testing.user("taoyuan_admin", "township_admin", town=units.town_b)
    with pytest.raises(PermissionDenied):
        move(loans["LA001"], S.IN_COLLECTION, other_admin)
