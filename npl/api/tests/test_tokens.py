"""API tokens: made by the district admin for one role and unit, kept only as a keyed hash, revocable, last use recorded."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from npl.api.models import ApiToken
from npl.api.services import create_token, revoke_token
from npl.core.crypto import keyed_hash
from npl.core.models import AuditLog


def test_the_key_is_shown_once_and_stored_only_as_its_keyed_hash(cast, token_for):
    token, key = token_for("branch_staff")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in str(row)
    assert row["key_hash"] == keyed_hash(key)
    assert key.startswith(row["prefix"])


def test_a_token_acts_as_a_service_user_with_its_role_and_unit(cast, units, token_for):
    token, _ = token_for("township_admin")
    assert (token.user.role, token.user.township, token.user.has_usable_password()) == ("township_admin", units.town_a, False)


def test_no_token_stands_in_for_a_collector(cast, units):
    with pytest.raises(ValidationError) as refused:
        create_token(cast["district_admin"], name="清收系统", role="collector", township=units.town_a)
    assert "role" in refused.value.message_dict


@pytest.mark.parametrize(("role", "field"), [("township_admin", "township"), ("branch_staff", "branch")])
def test_a_unit_bound_role_needs_its_unit(role, field, cast):
    with pytest.raises(ValidationError) as refused:
        create_token(cast["district_admin"], name="系统", role=role)
    assert field in refused.value.message_dict


def test_only_the_district_admin_hands_out_tokens(cast):
    with pytest.raises(PermissionDenied):
        create_token(cast["township_admin"], name="系统", role="district_leader")


def test_using_a_token_records_when_it_was_last_used(loans, token_for):
    token, key = token_for("district_leader")
    assert token.last_used_at is None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/loans/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_stops_working_at_once_and_both_acts_are_logged(loans, cast, token_for):
    token, key = token_for("district_leader")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/loans/").status_code == 200
    revoke_token(cast["district_admin"], token)
    response = client.get("/api/loans/")
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "not_authenticated", "message": "令牌无效或已撤销"}
    assert set(AuditLog.objects.filter(object_id=str(token.pk)).values_list("action", flat=True)) == {
        "api_token_created", "api_token_revoked"}


def test_an_unknown_key_is_refused(loans):
    response = Client(HTTP_AUTHORIZATION="Token npl_not-a-real-key").get("/api/loans/")
    assert response.status_code == 401


def test_a_service_account_cannot_log_in_on_the_login_page(cast, token_for):
    from django.urls import reverse

    token, key = token_for("district_leader")
    client = Client()
    client.post(reverse("login"), {"username": token.user.username, "password": key})
    assert "_auth_user_id" not in client.session


def test_district_admin_creates_a_token_on_the_page_and_sees_the_key_once(cast, client_for):
    client = client_for("district_admin")
    page = client.post("/api/tokens/", {"name": "农合行核心系统", "role": "district_leader"})
    assert page.status_code == 200
    token = ApiToken.objects.get(name="农合行核心系统")
    key = page.context["new_key"]
    assert token.key_hash == keyed_hash(key)
    assert key in page.content.decode()
    assert key not in client.get("/api/tokens/").content.decode()


def test_district_admin_revokes_a_token_on_the_page(cast, client_for, token_for):
    token, _ = token_for("court_liaison")
    response = client_for("district_admin").post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.user.is_active


@pytest.mark.parametrize("role", ["district_leader", "township_admin", "branch_staff", "collector", "outsider"])
def test_the_token_page_is_the_district_admins_alone(role, cast, client_for):
    assert client_for(role).get("/api/tokens/").status_code == 403


def test_the_token_command_creates_lists_and_revokes(cast, units, capsys):
    import json

    from django.core.management import call_command

    call_command("token", "create", "网点对账", "--role", "branch_staff", "--branch", "柳溪支行", "--by", "qu_admin", "--json")
    made = json.loads(capsys.readouterr().out)
    token = ApiToken.objects.get(pk=made["id"])
    assert (token.branch, token.key_hash) == (units.branch_a, keyed_hash(made["key"]))
    call_command("token", "revoke", str(token.pk), "--by", "qu_admin")
    call_command("token", "list", "--json")
    listed = json.loads(capsys.readouterr().out.splitlines()[-1])["tokens"]
    assert [(t["id"], t["revoked_at"] is not None) for t in listed] == [(token.pk, True)]
    assert "key" not in listed[0]


def test_the_token_command_refuses_anyone_but_the_district_admin(cast, units):
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exited:
        call_command("token", "create", "x", "--role", "district_leader", "--by", "liuxi_admin")
    assert exited.value.code == 2
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["collector", "teller"])
def test_the_token_command_refuses_a_role_no_token_may_hold_in_chinese(role, cast, units, capsys):
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exited:
        call_command("token", "create", "x", "--role", role, "--township", "柳溪镇", "--by", "qu_admin")
    assert exited.value.code == 2
    assert "系统令牌不能使用该角色" in capsys.readouterr().err
    assert not ApiToken.objects.exists()


def test_a_township_token_is_never_offered_as_a_plans_responsible_leader(cast, loans, token_for):
    from npl.collection.forms import PlanForm

    token, _ = token_for("township_admin")
    leaders = set(PlanForm(loan=loans["LA001"]).fields["responsible_leader"].queryset)
    assert cast["township_admin"] in leaders and token.user not in leaders
