"""The API's closed doors: its description needs a login, an unknown query parameter is an error (never a quiet
whole scope), and guessing token keys is throttled."""
import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _no_earlier_failures():
    """Failed-token counts live in the cache per address: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_login(url, db, client_for, api_client):
    anonymous = Client().get(url, HTTP_ACCEPT="application/json")
    if url == "/api/schema/":
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"
    else:
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=/api/docs/")
    assert client_for("collector").get(url).status_code == 200
    assert api_client("branch_staff", via="token").get("/api/schema/").status_code == 200


def test_a_misspelt_filter_on_the_loan_list_is_a_400_naming_it_not_the_whole_scope(loans, api_client):
    response = api_client("district_admin", via="token").get("/api/loans/", {"loan_no": "LA001"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "不支持查询参数“loan_no”" in error["fields"]["loan_no"][0]
    assert "q" in error["fields"]["loan_no"][0]  # the message lists what the list does take


@pytest.mark.parametrize("url, known", [
    ("/api/loans/", {"q": "LA001", "ordering": "loan_no", "page": "1", "township": "1"}),
    ("/api/borrowers/", {"ordering": "id"}),
    ("/api/actions/", {"ordering": "acted_on"}),
    ("/api/campaigns/", {"page": "1"}),
    ("/api/clocks/", {"as_of": "2026-04-01"}),
    ("/api/suggestions/", {"as_of": "2026-04-01"}),
    ("/api/imports/", {"page": "1"}),
])
def test_list_endpoints_take_their_own_parameters_and_refuse_any_other(url, known, loans, api_client):
    c = api_client("district_admin", via="token")
    assert c.get(url, known).status_code == 200
    refused = c.get(url, {**known, "foo": "1"})
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["foo"]


def test_failed_token_attempts_are_throttled_in_the_error_shape(loans, settings, token_for):
    settings.NPL_API_TOKEN_FAILURE_LIMIT = 3
    guesser = Client(HTTP_AUTHORIZATION="Token npl_guess")
    assert [guesser.get("/api/loans/").status_code for _ in range(3)] == [401, 401, 401]
    throttled = guesser.get("/api/loans/")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled" and int(throttled["Retry-After"]) > 0
    # Even a right key from that address waits: the window is for the address, not for a wrong key.
    _, key = token_for("district_admin")
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/loans/").status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION=f"Token {key}").get("/api/loans/").status_code == 200
