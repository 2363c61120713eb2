"""API fixtures (imported by npl/api/tests/conftest.py and tests/test_api_*.py): a client per role, through its session or a token bound to the same role and unit."""
import pytest
from django.test import Client

from npl.accounts.choices import Role
from npl.api.services import create_token


@pytest.fixture
def token_for(cast, units):
    """token_for("branch_staff") → (ApiToken, key) bound to the role and the unit the cast member has."""

    def make(role: str, name: str = ""):
        unit = {}
        if role == Role.TOWNSHIP_ADMIN:
            unit["township"] = units.town_a
        if role == Role.BRANCH_STAFF:
            unit["branch"] = units.branch_a
        return create_token(cast["district_admin"], name=name or f"{role} 系统", role=role, **unit)

    return make


@pytest.fixture
def api_client(client_for, token_for):
    """api_client("court_liaison", via="token") → a Client that authenticates as that role."""

    def make(role: str | None, via: str = "session") -> Client:
        if via == "session" or role is None:
            return client_for(role)
        _, key = token_for(role)
        return Client(HTTP_AUTHORIZATION=f"Token {key}")

    return make
