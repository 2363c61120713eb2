"""The pinyin prefix function priced near what it costs (npl.loans.search_index.PREFIX_COST): priced as a plain
operator, PostgreSQL answered the ledger's search page by walking the loans in loan-number order and computing each
borrower's prefixes until 50 matched (442 ms at 100k loans) instead of reading the index's matches (6 ms)."""
from django.db import migrations


def forward(apps, schema_editor):
    from npl.loans.search_index import PREFIX_COST

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION loans_pinyin_prefixes(text, text) COST {PREFIX_COST}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER FUNCTION loans_pinyin_prefixes(text, text) COST 100")


class Migration(migrations.Migration):
    dependencies = [("loans", "0006_households")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
