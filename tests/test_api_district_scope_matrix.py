"""The API scope matrix with two districts (tests/test_district_scope_matrix.py through /api/): by session and by a
token bound to the same role and unit, no caller of one district reaches an object of the other — loans, borrowers,
actions, cases, campaigns, import batches, clocks — and the city's finance office reads both and writes nothing."""
import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from npl.accounts.choices import Role
from npl.api.services import TOKEN_ROLES, create_token, tokens_for
from npl.api.tests.fixtures import *  # noqa: F401,F403
from npl.collection import services as collection
from npl.conftest import CITY_VISIBLE, VISIBLE, VISIBLE_TWO

TWO = {"LC001", "LC002", "LC003", "LC004", "LC005"}
ROLES = sorted(VISIBLE_TWO)
TOKEN_ROLE_CODES = sorted(r.value for r in TOKEN_ROLES)
CALLERS = [(role, "session") for role in ROLES] + [(role, "token") for role in TOKEN_ROLE_CODES]


def rows(client, url: str) -> list[dict]:
    found = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        data = response.json()
        found += data["results"]
        url = data["next"]
    return found


@pytest.fixture
def caller(district_two, cast, units, client_for):
    """caller(n, role, via) → a Client of district n's member of `role`, through a session or a token bound to the
    same role and unit, made by that district's admin."""
    people = {1: cast, 2: district_two.cast}
    unit_of = {1: (units.town_a, units.branch_a), 2: (district_two.town, district_two.branch)}

    def make(n: int, role: str, via: str = "session") -> Client:
        if via == "session":
            c = Client()
            c.force_login(people[n][role], backend="django.contrib.auth.backends.ModelBackend")
            return c
        town, branch = unit_of[n]
        unit = {"township": town} if role == Role.TOWNSHIP_ADMIN else {"branch": branch} if role == Role.BRANCH_STAFF else {}
        _, key = create_token(people[n]["district_admin"], name=f"{role} {n}", role=role, **unit)
        return Client(HTTP_AUTHORIZATION=f"Token {key}")

    return make


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_each_caller_lists_exactly_its_own_districts_loans_and_borrowers(role, via, caller):
    for n, mine in ((1, VISIBLE[role]), (2, VISIBLE_TWO[role])):
        client = caller(n, role, via)
        assert {r["loan_no"] for r in rows(client, "/api/loans/")} == mine, (n, role, via)
        theirs_listed = {no for r in rows(client, "/api/borrowers/") for no in r["loans"]}
        assert theirs_listed == mine, (n, role, via)


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_details_of_the_other_district_are_404_like_what_does_not_exist(role, via, caller, district_two):
    client = caller(1, role, via)
    for loan_no, loan in district_two.loans.items():
        for url in (f"/api/loans/{loan_no}/", f"/api/loans/{loan_no}/clock/", f"/api/loans/{loan_no}/actions/",
                    f"/api/loans/{loan_no}/repayments/", f"/api/loans/{loan_no}/plans/"):
            response = client.get(url)
            assert response.status_code == 404, (role, via, url)
            assert response.json()["error"]["code"] == "not_found"
        if loan_no != "LC005":  # 张三 also has loans in the first district
            assert client.get(f"/api/borrowers/{loan.borrower_id}/").status_code == 404
    case = district_two.loans["LC002"].litigation_cases.get()
    assert client.get(f"/api/litigation/cases/{case.pk}/").status_code == 404


@pytest.mark.parametrize(("role", "via"), CALLERS)
def test_actions_cases_and_clocks_lists_hold_nothing_of_the_other_district(role, via, caller, loans, cast, district_two):
    for made in (loans, district_two.loans):
        for loan in made.values():
            admin = cast["district_admin"] if loan.loan_no in VISIBLE["district_admin"] else district_two.cast["district_admin"]
            collection.record_action(loan, admin, acted_on=dt.date(2026, 3, 1), method="visit", outcome_code="met_borrower")
    client = caller(1, role, via)
    assert {r["loan_no"] for r in rows(client, "/api/actions/")} == VISIBLE[role]
    assert {r["loan_no"] for r in rows(client, "/api/litigation/cases/")} == VISIBLE[role] & {"LA002"}
    clocks = client.get("/api/clocks/")
    assert clocks.status_code in (200, 403)
    if clocks.status_code == 200:
        text = json.dumps(clocks.json(), ensure_ascii=False)
        assert "LC00" not in text and "青山" not in text and "东川" not in text


@pytest.mark.parametrize("role", ["district_admin", "district_leader", "township_admin", "branch_staff"])
def test_campaigns_and_import_batches_of_the_other_district_are_not_reached(role, caller, district_two):
    from npl.campaigns.services import create_campaign
    from npl.intake.models import ImportBatch

    theirs = create_campaign("东川区春季清收", dt.date(2026, 3, 31), user=district_two.cast["district_admin"])
    batch = ImportBatch.objects.create(kind="loans", file_name="东川区台账.xlsx", sha256="0" * 64,
                                       user=district_two.cast["district_admin"])
    for via in ("session", "token"):
        client = caller(1, role, via)
        assert theirs.name not in {c["name"] for c in rows(client, "/api/campaigns/")}
        assert client.get(f"/api/campaigns/{theirs.pk}/summary/").status_code == 404
        assert batch.pk not in {b["id"] for b in rows(client, "/api/imports/")}
        assert client.get(f"/api/imports/{batch.pk}/").status_code == 404


def test_a_district_admin_binds_tokens_to_its_own_units_and_sees_its_own_tokens(cast, district_two, units):
    admin_one, admin_two = cast["district_admin"], district_two.cast["district_admin"]
    with pytest.raises(ValidationError) as err:
        create_token(admin_one, name="越区", role=Role.TOWNSHIP_ADMIN, township=district_two.town)
    assert "本区" in str(err.value)
    with pytest.raises(ValidationError):
        create_token(admin_one, name="越区", role=Role.BRANCH_STAFF, branch=district_two.branch)
    with pytest.raises(ValidationError):
        create_token(admin_one, name="市级", role=Role.CITY_FINANCE)
    mine, _ = create_token(admin_one, name="西岭核心系统", role=Role.DISTRICT_LEADER)
    theirs, _ = create_token(admin_two, name="东川核心系统", role=Role.DISTRICT_LEADER)
    assert list(tokens_for(admin_one)) == [mine] and list(tokens_for(admin_two)) == [theirs]
    c = Client()
    c.force_login(admin_one, backend="django.contrib.auth.backends.ModelBackend")
    page = c.get("/api/tokens/").content.decode()
    assert "西岭核心系统" in page and "东川核心系统" not in page and "青山镇" not in page
    assert c.post(f"/api/tokens/{theirs.pk}/revoke/").status_code == 404


def test_city_finance_reads_both_districts_and_writes_nothing_through_the_api(district_two):
    c = Client()
    c.force_login(district_two.city_finance, backend="django.contrib.auth.backends.ModelBackend")
    assert {r["loan_no"] for r in rows(c, "/api/loans/")} == CITY_VISIBLE
    assert c.get("/api/loans/LC004/").status_code == 200
    response = c.post("/api/loans/LA001/actions/", {"acted_on": "2026-03-01", "method": "visit",
                                                    "outcome_code": "met_borrower"}, content_type="application/json")
    assert response.status_code in (403, 404)
    from npl.collection.models import CollectionAction

    assert not CollectionAction.objects.exists()
