"""The API scope matrix mirrors tests/test_scope_matrix.py: through a session or through a token bound to the
same role and unit, each role sees exactly VISIBLE[role]; anything outside answers 404, like what does not exist."""
import datetime as dt

import pytest

from npl.api.services import TOKEN_ROLES
from npl.api.tests.fixtures import *  # noqa: F401,F403
from npl.collection import services as collection
from npl.conftest import VISIBLE

ALL = {"LA001", "LA002", "LA003", "LB001", "LB002"}
ROLES = sorted(VISIBLE)
TOKEN_ROLE_CODES = sorted(r.value for r in TOKEN_ROLES)
# Every role through its session; the roles a token may carry (not the collector, not the outsider) through a token.
CALLERS = [(role, "session") for role in ROLES] + [(role, "token") for role in TOKEN_ROLE_CODES]
# The collector and the outsider have no token: a system cannot stand in for one person's assignments.


def loan_numbers(client, url="/api/loans/") -> set[str]:
    found = set()
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        found |= {row["loan_no"] for row in data["results"]}
        url = data["next"]
    return found


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_loan_list_shows_exactly_the_loans_of_the_role(role, via, loans, api_client):
    assert loan_numbers(api_client(role, via)) == VISIBLE[role]


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_loan_detail_is_200_in_scope_and_404_outside(role, via, loans, api_client):
    client = api_client(role, via)
    for loan_no in sorted(ALL):
        response = client.get(f"/api/loans/{loan_no}/")
        if loan_no in VISIBLE[role]:
            assert response.status_code == 200, (role, via, loan_no)
            assert response.json()["loan_no"] == loan_no
        else:
            assert response.status_code == 404, (role, via, loan_no)
            assert response.json() == {"error": {"code": "not_found", "message": "未找到该对象"}}


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_borrower_is_404_unless_one_of_their_loans_is_in_scope(role, via, loans, api_client):
    client = api_client(role, via)
    borrowers: dict[int, set[str]] = {}
    for loan in loans.values():
        borrowers.setdefault(loan.borrower_id, set()).add(loan.loan_no)
    for pk, theirs in borrowers.items():
        response = client.get(f"/api/borrowers/{pk}/")
        if theirs & VISIBLE[role]:
            assert response.status_code == 200, (role, via, pk)
            assert set(response.json()["loans"]) == theirs & VISIBLE[role]
        else:
            assert response.status_code == 404, (role, via, pk)


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_clock_of_a_loan_is_404_outside_the_scope(role, via, loans, api_client):
    client = api_client(role, via)
    for loan_no in sorted(ALL):
        expected = 200 if loan_no in VISIBLE[role] else 404
        assert client.get(f"/api/loans/{loan_no}/clock/").status_code == expected, (role, via, loan_no)


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_actions_list_holds_only_the_actions_on_loans_in_scope(role, via, loans, cast, api_client):
    for loan_no in sorted(ALL):
        collection.record_action(loans[loan_no], cast["district_admin"], acted_on=dt.date(2026, 3, 1), method="visit",
                                 outcome_code="met_borrower")
    response = api_client(role, via).get("/api/actions/")
    assert response.status_code == 200
    assert {row["loan_no"] for row in response.json()["results"]} == VISIBLE[role]


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_litigation_cases_follow_the_scope(role, via, loans, api_client):
    response = api_client(role, via).get("/api/litigation/cases/")
    assert response.status_code == 200
    assert {row["loan_no"] for row in response.json()["results"]} == VISIBLE[role] & {"LA002"}


def test_borrowers_list_shows_masked_names_and_ids_only(loans, api_client):
    rows = api_client("district_admin").get("/api/borrowers/").json()["results"]
    zhang = next(r for r in rows if set(r["loans"]) == {"LA001", "LB002"})
    assert zhang["name"] == "张*"
    assert zhang["id_masked"] == loans["LA001"].borrower.id_masked
    assert loans["LA001"].borrower.reveal_id() not in str(rows)


def test_unknown_loan_is_the_same_404_as_an_out_of_scope_one(loans, api_client):
    client = api_client("collector")
    unknown, outside = client.get("/api/loans/NOPE999/"), client.get("/api/loans/LB001/")
    assert (unknown.status_code, unknown.json()) == (outside.status_code, outside.json())


@pytest.mark.parametrize("url", ["/api/loans/", "/api/loans/LA001/", "/api/borrowers/", "/api/imports/"])
def test_anonymous_caller_is_told_to_authenticate(url, loans, api_client):
    response = api_client(None).get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")
