"""core.bulk.checks_per_statement: inside a bulk block (derived.deferred) PostgreSQL checks each foreign key at the
end of the statement that wrote it, and the transaction's deferred checks come back after the block."""
import pytest
from django.db import IntegrityError, connection, transaction

from npl.core import bulk, derived
from npl.loans.models import LoanEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks its foreign keys at commit only"),
]

DANGLING = {"loan_id": 2_000_000_000, "kind": "created"}  # no such loan


def test_inside_a_bulk_block_a_dangling_reference_is_refused_at_its_statement():
    with pytest.raises(IntegrityError, match="loan_id"):
        with derived.deferred():
            bulk.insert_dicts(LoanEvent, [DANGLING])  # the commit is far away: refused here, naming the column


def test_after_the_block_the_transaction_checks_at_its_commit_again():
    with derived.deferred():
        pass
    with transaction.atomic():
        bulk.insert_dicts(LoanEvent, [DANGLING])  # deferred: not refused at the statement
        assert LoanEvent.objects.filter(loan_id=DANGLING["loan_id"]).delete()[0] == 1  # and nothing left to check


def test_a_failed_bulk_block_leaves_the_transaction_as_it_was():
    with pytest.raises(RuntimeError):
        with derived.deferred():
            raise RuntimeError("the import stopped")
    with transaction.atomic():
        bulk.insert_dicts(LoanEvent, [DANGLING])
        LoanEvent.objects.filter(loan_id=DANGLING["loan_id"]).delete()
