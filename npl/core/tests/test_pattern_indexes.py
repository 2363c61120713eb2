"""Columns matched only whole carry no LIKE-prefix index on PostgreSQL (npl.core.pattern_indexes)."""
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Django adds LIKE-prefix indexes on PostgreSQL only"),
]

MATCHED_WHOLE = {
    ("loans_borrower", "id_hash"),
    ("loans_guarantor", "id_hash"),
    ("categories_rosterperson", "id_hash"),
    ("intake_rowdigest", "digest"),
    ("intake_importbatch", "sha256"),
    ("api_apitoken", "key_hash"),
    ("collection_repayment", "txn_no"),
    ("litigation_enforcementrecovery", "txn_no"),
}


def like_indexes(connection) -> set[tuple[str, str]]:
    """(table, column) of every `varchar_pattern_ops`/`text_pattern_ops` index in the database (PostgreSQL)."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT t.relname, a.attname
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
            JOIN pg_opclass o ON o.oid = x.indclass[0]
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')""")
        return set(cur.fetchall())


def test_hashes_digests_and_transaction_numbers_have_no_prefix_index():
    assert like_indexes(connection) & MATCHED_WHOLE == set()


def test_columns_that_may_be_searched_by_prefix_keep_theirs():
    # The query finds Django's prefix indexes where they were left: a loan number, a setting's key.
    assert {("loans_loan", "loan_no"), ("core_setting", "key")} <= like_indexes(connection)


def test_the_columns_still_refuse_a_second_row_with_the_same_value():
    # Only the prefix index went: the unique index that matches whole values is still there.
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM pg_indexes WHERE tablename = 'loans_borrower'
                       AND indexdef LIKE 'CREATE UNIQUE INDEX%%(id_hash)'""")
        assert cur.fetchone()[0] == 1
