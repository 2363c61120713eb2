"""The one error shape: how the services' refusals and DRF's own errors are told to the caller."""
from django.core.exceptions import PermissionDenied, ValidationError

from npl.api.errors import exception_handler
from npl.loans.workflow import StaleVersion


def answer(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_a_lost_optimistic_lock_is_a_409_conflict_with_the_services_message():
    assert answer(StaleVersion()) == (409, {"error": {"code": "conflict", "message": "该贷款已被他人修改，请刷新后重试"}})


def test_a_service_refusal_by_field_keeps_each_field():
    status, data = answer(ValidationError({"paid_on": "还款日期不能晚于今天"}))
    assert status == 400
    assert data["error"] == {"code": "validation_error", "message": "还款日期不能晚于今天",
                             "fields": {"paid_on": ["还款日期不能晚于今天"]}}


def test_a_service_refusal_without_a_field_is_a_plain_message():
    status, data = answer(ValidationError("该笔还款已确认", code="state"))
    assert (status, data) == (400, {"error": {"code": "validation_error", "message": "该笔还款已确认"}})


def test_a_role_refusal_is_a_403_with_its_reason():
    assert answer(PermissionDenied("您的角色（区领导/专班）无权登记催收记录")) == (
        403, {"error": {"code": "permission_denied", "message": "您的角色（区领导/专班）无权登记催收记录"}})


def test_an_unforeseen_error_is_a_500_without_details():
    assert answer(ZeroDivisionError("secret detail")) == (500, {"error": {"code": "server_error", "message": "服务器内部错误，请联系管理员"}})


def test_a_wrong_method_is_405_in_the_same_shape(loans, api_client):
    response = api_client("district_admin").delete("/api/loans/LA001/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_parse_error(loans, api_client):
    response = api_client("collector").post("/api/loans/LA001/actions/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
