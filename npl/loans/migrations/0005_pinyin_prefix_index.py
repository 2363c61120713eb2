"""The search box on PostgreSQL (issue 16): a GIN index on every prefix of every pinyin variant replaces the
trigram indexes of the pinyin keys, so `zs` reads the borrowers whose variants start with zs and no others
(npl.loans.search_index). SQLite keeps its FTS5 table.
"""
from django.db import migrations


def forward(apps, schema_editor):
    from npl.loans import search_index

    search_index.replace_pinyin_trigrams(schema_editor.connection)


def backward(apps, schema_editor):
    from npl.loans import search_index

    search_index.restore_pinyin_trigrams(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("loans", "0004_loan_totals")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
