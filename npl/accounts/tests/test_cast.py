"""The shared cast fixture: every role is present and bound to the unit its role needs."""
from npl.conftest import VISIBLE


def test_cast_has_one_user_per_role_and_an_outsider(cast):
    assert set(cast) == set(VISIBLE)
    assert cast["township_admin"].township.name == "柳溪镇"
    assert cast["branch_staff"].branch.name == "柳溪支行"
    assert cast["outsider"].role == ""


def test_collector_is_responsible_for_exactly_one_loan(loans, cast):
    assert [ln.loan_no for ln in loans.values() if ln.responsible_person == cast["collector"]] == ["LA001"]


def test_client_for_logs_the_person_in(client_for, cast):
    c = client_for("collector")
    assert int(c.session["_auth_user_id"]) == cast["collector"].pk
    assert "_auth_user_id" not in client_for(None).session
