"""Parallel clicks on one request cannot both win (PostgreSQL: real row locks, real threads)."""
import pytest
from django.db import connection

from npl.litigation.tests.test_concurrency import race
from npl.refinance import services
from npl.refinance.models import RefinanceRequest, RefinanceStep

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL"),
]


def test_parallel_requests_for_one_loan_open_exactly_one(loans, cast):
    results = race(lambda i: services.request_refinance(loans["LA001"], cast["township_admin"], kind="renew",
                                                         reason=f"第{i}次", township_agreed=True))
    assert len([r for r in results if isinstance(r, RefinanceRequest)]) == 1
    assert all("已有办理中的申请" in str(r) for r in results if not isinstance(r, RefinanceRequest))
    assert RefinanceRequest.objects.count() == 1


def test_parallel_steps_from_one_version_record_one_step(loans, cast):
    req = services.request_refinance(loans["LA001"], cast["township_admin"], kind="renew", reason="续贷", township_agreed=True)
    results = race(lambda i: services.take_step(req, cast["branch_staff"], "received", expected_version=req.version))
    assert len([r for r in results if isinstance(r, RefinanceStep)]) == 1
    assert list(req.steps.values_list("step", flat=True)) == ["requested", "received"]
