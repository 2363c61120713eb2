"""Two people acting on one case at once cannot both win (PostgreSQL: real row locks, real threads)."""
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from npl.litigation import services
from npl.litigation.models import LitigationCase
from npl.loans.models import LoanEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL"),
]
N = 8


def race(work, n=N):
    """Run work(i) in n threads released together; return each thread's result or exception."""
    gate = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            gate.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the refusal is the result being checked
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_stage_moves_from_one_version_leave_exactly_one_winner(case, court):
    shown = case.version
    targets = ["accepted", "trial", "judged", "mediated"] * (N // 4)
    results = race(lambda i: services.advance_stage(case, court, stage=targets[i], on=dt.date(2026, 3, 1), expected_version=shown))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, services.StaleCase) for r in results if isinstance(r, Exception))
    case.refresh_from_db()
    assert case.version == shown + 1
    assert list(case.stages.values_list("stage", flat=True)) == [winners[0].stage] == [case.stage]
    assert LoanEvent.objects.filter(loan=case.loan, field="stage").count() == 1


def test_parallel_enforcement_postings_lose_nothing(enforcing, court):
    results = race(lambda i: services.record_enforcement_recovery(enforcing, court, amount=f"{1000 + i}.01", on=dt.date(2026, 6, 1)))
    assert not [r for r in results if isinstance(r, Exception)]
    case = LitigationCase.objects.get(pk=enforcing.pk)
    expected = sum(Decimal(f"{1000 + i}.01") for i in range(N))
    assert case.enforcement_recovered == expected == sum(r.amount for r in case.recoveries.all())
    assert LoanEvent.objects.filter(loan=case.loan, field="enforcement_recovered").count() == N
    assert case.version == enforcing.version + N
