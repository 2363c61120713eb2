"""The API keeps the promises of its OpenAPI description: schemathesis runs every operation of /api/schema/
against the WSGI application with every check (status codes documented, bodies and content types as
described, no server error, auth not ignored, invalid input refused), as the district admin's token over the
shared `loans` fixture. GETs run in full; writes run on the same small fixture inside the test's transaction.
"""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from npl import testing
from npl.api.tests.fixtures import *  # noqa: F401,F403
from npl.campaigns.services import create_campaign
from npl.collection import services as collection
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.litigation.models import LitigationCase
from npl.wsgi import application

load_all_checks()
MAX_EXAMPLES = 10  # per operation and mode: enough to find a wrong status, small enough for CI on both databases
# Business rules (a date not in the future, one active plan, a file that reads) are the services' and cannot be
# written in OpenAPI: a write that passes the schema may still be refused with 400, which is documented.
WRITE_CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}}}


def _operations(schema, methods):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() in methods:
            yield operation


def _run(operation, headers, mode, targets):
    # Path parameters name real objects of the fixture, so the checks see answers, not only 404s.
    wanted = next((params for prefix, params in targets.items() if operation.path.startswith(prefix)), None)
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=wanted)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS.get_all())

    check()


@contextmanager
def connection_kept():
    """The raw WSGI app closes the database connection after each request (as in production); Django's test
    Client switches that off around each of its requests, and so must we, or PostgreSQL loses the test's
    transaction. (Entered in the test body: a test Client request in a fixture would switch it back on.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_token_throttling(settings):
    """Negative runs send malformed keys on purpose: that is not someone guessing keys, so no 429 cuts the run short."""
    from django.core.cache import cache

    settings.NPL_API_TOKEN_FAILURE_LIMIT = 10**9
    cache.clear()
    yield
    cache.clear()  # nor are its failures counted against the tests after it


@pytest.fixture
def admin_key(loans, token_for):
    _, key = token_for("district_admin")
    return key


@pytest.fixture
def admin_headers(admin_key):
    return {"Authorization": f"Bearer {admin_key}"}


@pytest.fixture
def targets(loans, cast, admin_key, tmp_path):
    """Real objects for every path parameter: a loan and borrower in scope, a case, a campaign, a field
    repayment awaiting review and an import preview of the token's own."""
    campaign = create_campaign("2026春季清收", dt.date(2026, 3, 31), user=cast["district_admin"])
    rep = collection.record_repayment(loans["LA001"], cast["collector"], paid_on=dt.date(2026, 3, 1), amount=Decimal("100.00"))
    path = write_xlsx(tmp_path / "loans.xlsx", [LOAN_HEADER, loan_row("N001", testing.valid_id(101))])
    with open(path, "rb") as fh:
        batch = Client(HTTP_AUTHORIZATION=f"Token {admin_key}").post("/api/imports/", {"kind": "loans", "file": fh}).json()
    return {
        "/api/loans/{loan_no}": {"loan_no": "LA001"},
        "/api/borrowers/{id}": {"id": loans["LA001"].borrower_id},
        "/api/litigation/cases/{id}": {"id": LitigationCase.objects.get(loan=loans["LA002"]).pk},
        "/api/campaigns/{id}": {"id": campaign.pk},
        "/api/repayments/{id}": {"id": rep.pk},
        "/api/imports/{id}": {"id": batch["id"]},
    }


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_read_operation_keeps_the_schema(mode, admin_headers, targets):
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=admin_headers)
        operations = list(_operations(schema, {"GET"}))
        assert len(operations) >= 15
        for operation in operations:
            _run(operation, admin_headers, mode, targets)


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_write_operation_keeps_the_schema(mode, admin_headers, targets):
    with connection_kept():
        config = schemathesis.Config.from_dict(WRITE_CONFIG)
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config, headers=admin_headers)
        operations = list(_operations(schema, {"POST", "PUT", "PATCH", "DELETE"}))
        assert len(operations) >= 5
        for operation in operations:
            _run(operation, admin_headers, mode, targets)
