"""Plain `executemany` inserts for imports: Django's bulk_create spends most of its time compiling SQL.

Values pass through the same backend adapters Django uses (aware datetimes, JSON), so what lands in
the table is what bulk_create would have written; callers give every non-null column explicitly.
"""
from django.db import connection, models


def _converter(field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DecimalField):
        return lambda v: connection.ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None


def insert_rows(model, fields: list[str], rows: list[tuple], batch_size: int = 1000) -> None:
    """INSERT rows (tuples in `fields` order, foreign keys as `<name>_id` values) into model's table."""
    if not rows:
        return
    meta = model._meta
    cols, convs = [], []
    for name in fields:
        field = meta.get_field(name[:-3] if name.endswith("_id") and not _is_field(meta, name) else name)
        cols.append(connection.ops.quote_name(field.column))
        convs.append(_converter(field))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))})"
    )
    active = [(i, c) for i, c in enumerate(convs) if c is not None]
    if active:
        converted = []
        for row in rows:
            row = list(row)
            for i, conv in active:
                if row[i] is not None:
                    row[i] = conv(row[i])
            converted.append(row)
        rows = converted
    with connection.cursor() as cur:
        for start in range(0, len(rows), batch_size):
            cur.executemany(sql, rows[start : start + batch_size])


def _is_field(meta, name: str) -> bool:
    try:
        meta.get_field(name)
    except Exception:
        return False
    return True


def insert_objects(objs: list, batch_size: int = 1000) -> None:
    """Insert unsaved model instances (defaults already applied by __init__) without fetching their ids."""
    if not objs:
        return
    from django.utils import timezone

    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for name in stamped:
            if getattr(obj, name) is None:
                setattr(obj, name, now)
    rows = [tuple(getattr(obj, f.attname) for f in fields) for obj in objs]
    insert_rows(model, [f.attname for f in fields], rows, batch_size)
