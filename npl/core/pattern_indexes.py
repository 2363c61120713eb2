"""Drop the prefix-search indexes Django adds on PostgreSQL beside indexed text columns matched only whole.

For every `CharField` with `db_index` or `unique`, Django's PostgreSQL schema editor creates a second index,
`<name>_like` with `varchar_pattern_ops`, so that `LIKE 'abc%'` can use an index. A keyed hash of an ID number,
a row digest, a file's SHA-256, a token's hash or a bank's transaction number is only ever matched whole (`=`,
`IN`), so that second index is never read; but every insert still writes it. Their keys are random, so each
insert touches a random page of it: at a million loans the three largest (roster people's and borrowers' ID
hashes, the import row digests: 243 MB) were as large as the tables' own unique indexes, and an import's
writes went on evicting their pages from PostgreSQL's buffers.

A migration of the app that owns the field drops them (`drop_like_indexes`). A later `AlterField` of one of
these fields makes Django create the index again: that migration must drop it again.
"""
from django.db import migrations


def _like_index(schema_editor, model, field_name: str) -> str:
    column = model._meta.get_field(field_name).column
    return schema_editor._create_index_name(model._meta.db_table, [column], suffix="_like")


def drop_like_indexes(*fields: tuple[str, str]) -> migrations.RunPython:
    """A migration operation dropping the `_like` index of each ("app.Model", "field") on PostgreSQL
    (nothing to do elsewhere); reversed, it creates them again as Django would."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for label, name in fields:
            model = apps.get_model(label)
            schema_editor.execute(schema_editor._delete_index_sql(model, _like_index(schema_editor, model, name)))

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for label, name in fields:
            model = apps.get_model(label)
            statement = schema_editor._create_like_index_sql(model, model._meta.get_field(name))
            if statement is not None:
                schema_editor.execute(statement)

    return migrations.RunPython(forwards, backwards, elidable=False)
