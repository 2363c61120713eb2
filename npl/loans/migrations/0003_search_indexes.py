"""Indexes for the search box: pinyin keys and names found through an index, never a scan of every borrower.

PostgreSQL: trigram GIN indexes (pg_trgm) on the pinyin keys and the name; `LIKE 'zs%'` and `LIKE '% zs%'`
(the start of any reading's variant) are served by them. SQLite: an FTS5 table of the same keys, kept by
triggers in the same transaction as any write to `loans_borrower` (an import's bulk insert included), with
the name stored as its suffixes so that a prefix query on a token is a `contains` on the name.

Beware: SQLite rebuilds a table for most ALTERs, which drops its triggers. A later migration that alters
`Borrower` on SQLite must run `npl.loans.search_index.install_sqlite` again (test_search fails otherwise).
"""
from django.db import migrations


def forward(apps, schema_editor):
    from npl.loans import search_index

    search_index.install(schema_editor.connection)


def backward(apps, schema_editor):
    from npl.loans import search_index

    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("loans", "0002_alter_loanevent_kind")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
