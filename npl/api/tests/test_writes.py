"""Writes through the API go through collection.services: the same rules, events and maker-checker as the pages."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from npl.collection.models import CollectionAction, Repayment
from npl.loans.models import LoanEvent

DAY = "2026-03-02"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_collector_records_a_visit_with_a_promise_and_the_loan_starts_collection(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LA001/actions/", {
        "acted_on": DAY, "method": "visit", "outcome_code": "promised", "signature": "borrower",
        "promise_amount": "5000.00", "promise_date": "2026-04-30",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["loan_no"], body["promise_amount"], body["promise_status"]) == ("LA001", "5000.00", "open")
    loan = loans["LA001"]
    loan.refresh_from_db()
    assert loan.status == "in_collection"
    assert LoanEvent.objects.filter(loan=loan, kind="action", field="action").count() == 1
    assert LoanEvent.objects.filter(loan=loan, kind="status_changed", after="in_collection").exists()


def test_service_refusals_come_back_field_by_field_in_chinese(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LA001/actions/", {
        "acted_on": DAY, "method": "visit", "outcome_code": "promised",
    })
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"promise_amount": ["接触结果为“承诺还款”时须填写承诺金额和日期"]}
    assert not CollectionAction.objects.exists()


def test_a_body_of_the_wrong_shape_names_each_field(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LA001/actions/", {"acted_on": "昨天", "method": "fax"})
    error = response.json()["error"]
    assert response.status_code == 400
    assert set(error["fields"]) == {"acted_on", "method", "outcome_code"}


def test_field_repayment_waits_for_the_branch_and_its_maker_cannot_confirm_it(loans, api_client, cast):
    collector = api_client("collector")
    # Paid after the bank's snapshot day (2026-03-31), so the confirmation lowers the balance.
    paid_on = timezone.localdate().isoformat()
    made = post(collector, "/api/loans/LA001/repayments/", {"paid_on": paid_on, "amount": "1000.00"})
    assert made.status_code == 201, made.content
    rep_id = made.json()["id"]
    assert made.json()["review_status"] == "pending"

    refused = post(collector, f"/api/repayments/{rep_id}/review/", {"confirm": True})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "您的角色（清收人员）无权确认或退回还款"

    confirmed = post(api_client("branch_staff", via="token"), f"/api/repayments/{rep_id}/review/", {"confirm": True})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["review_status"] == "confirmed"
    rep = Repayment.objects.get(pk=rep_id)
    assert rep.confirmed and rep.principal + rep.interest + rep.costs == Decimal("1000.00")
    loans["LA001"].refresh_from_db()
    assert loans["LA001"].principal_balance == Decimal("100000.00") - rep.principal


def test_a_repayment_outside_the_branch_is_404_to_its_staff(loans, api_client, cast):
    from npl.collection import services

    rep = services.record_repayment(loans["LB001"], cast["district_admin"], paid_on=dt.date(2026, 3, 2), amount=Decimal("10"))
    response = post(api_client("branch_staff", via="token"), f"/api/repayments/{rep.pk}/review/", {"confirm": True})
    assert response.status_code == 404


def test_collector_submits_a_plan_for_the_township_to_approve(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LA001/plans/", {
        "signed_on": DAY, "measures": "分两期还清",
        "instalments": [{"due_on": "2026-06-30", "amount": "30000.00"}, {"due_on": "2026-09-30", "amount": "20000.00"}],
    })
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["status"] == "submitted"
    assert [(i["seq"], i["amount"]) for i in plan["instalments"]] == [(1, "30000.00"), (2, "20000.00")]
    second = post(api_client("collector"), "/api/loans/LA001/plans/", {
        "signed_on": DAY, "instalments": [{"due_on": "2026-06-30", "amount": "100.00"}],
    })
    assert second.status_code == 400
    assert second.json()["error"]["message"] == "该贷款已有待审批或执行中的还款计划（一笔一策）"


def test_writing_to_a_loan_outside_the_scope_is_404(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LB001/actions/", {
        "acted_on": DAY, "method": "visit", "outcome_code": "met_borrower",
    })
    assert response.status_code == 404
    assert not CollectionAction.objects.exists()


def test_session_writes_need_the_csrf_token(loans, cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["collector"], backend="django.contrib.auth.backends.ModelBackend")
    response = post(client, "/api/loans/LA001/actions/", {"acted_on": DAY, "method": "visit", "outcome_code": "met_borrower"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not CollectionAction.objects.exists()


def test_a_token_needs_no_csrf_token(loans, api_client):
    client = api_client("branch_staff", via="token")
    client.handler.enforce_csrf_checks = True
    response = post(client, "/api/loans/LA001/actions/", {"acted_on": DAY, "method": "phone", "outcome_code": "no_one"})
    assert response.status_code == 201, response.content


def test_the_message_of_a_shape_error_names_the_field(loans, api_client):
    response = post(api_client("collector"), "/api/loans/LA001/actions/", {"method": "visit", "outcome_code": "no_one"})
    error = response.json()["error"]
    assert error["message"].startswith("acted_on：")
    assert error["fields"]["acted_on"] == [error["message"].removeprefix("acted_on：")]
