"""Plain `executemany` inserts for imports: Django's bulk_create spends most of its time compiling SQL.

Values pass through the same backend adapters Django uses (aware datetimes, JSON), so what lands in
the table is what bulk_create would have written; callers give every non-null column explicitly, or
(`insert_dicts`) leave a column out to get its model default.
"""
import contextlib
import contextvars
import datetime as dt
import json
import logging
import operator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

logger = logging.getLogger(__name__)

IN_CHUNK = 900  # values per IN list: below SQLite's old 999-variable limit, bounded on every database

# The moment a model's new rows are registered at (their auto_now_add), instead of now: `registered_at` below.
_REGISTERED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("npl_bulk_registered", default=None)


@contextlib.contextmanager
def registered_at(model, moment: dt.datetime):
    """Within the block, new rows of `model` written here carry `moment` in their auto_now_add fields.

    For the demo only (npl.demo): its loans are dated on its history's first day as they are inserted, instead
    of by an UPDATE of every loan afterwards (9 s at 100,000 loans: a new version of each row in its fifteen
    indexes). A real import keeps the moment it ran."""
    token = _REGISTERED.set({**(_REGISTERED.get() or {}), model._meta.label: moment})
    try:
        yield
    finally:
        _REGISTERED.reset(token)


def _stamps(model) -> tuple[dt.datetime, dt.datetime]:
    """(auto_now, auto_now_add) values for one call's new rows of `model`."""
    now = timezone.now()
    return now, (_REGISTERED.get() or {}).get(model._meta.label, now)


def _converter(field):
    # Bound once per column, not looked up through the connection proxy per value (a third of the
    # insert time went to that); an adapter that returns the value unchanged is not called at all.
    conn = connections[DEFAULT_DB_ALIAS]
    ops = conn.ops
    if isinstance(field, models.DateTimeField):
        return None if _passes(ops.adapt_datetimefield_value, timezone.now()) else _last_of(ops.adapt_datetimefield_value)
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, conn)
    if isinstance(field, models.DecimalField):
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None
        adapt, digits, places = ops.adapt_decimalfield_value, field.max_digits, field.decimal_places
        return lambda v: adapt(v, digits, places)
    if isinstance(field, models.DateField):
        return None if _passes(ops.adapt_datefield_value, dt.date(2000, 1, 2)) else _last_of(ops.adapt_datefield_value)
    return None


def _passes(adapt, sample) -> bool:
    """An adapter that hands the value back as it is (PostgreSQL's for dates): no call needed."""
    return adapt(sample) is sample


def _last_of(adapt):
    """Adapt, re-using the last result when the same object comes again (one `now` or as-of day per chunk)."""
    last = [object(), None]

    def convert(value):
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return convert


def _column(meta, name: str):
    return meta.get_field(name[:-3] if name.endswith("_id") and not _is_field(meta, name) else name)


def insert_rows(model, fields: list[str], rows: list[tuple], batch_size: int = 1000) -> None:
    """INSERT rows (tuples in `fields` order, foreign keys as `<name>_id` values) into model's table."""
    if not rows:
        return
    meta = model._meta
    cols, convs = [], []
    for name in fields:
        field = _column(meta, name)
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
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a parsed INSERT per row (a 20k-loan import spent 3 s of its
            # 6 s in INSERTs on PostgreSQL); psycopg adapts each value as it would for INSERT.
            # psycopg's own cursor: its errors (a key already taken, a foreign key refused at the statement by
            # checks_per_statement) are raised as Django's, as through Django's cursor.
            table = connection.ops.quote_name(meta.db_table)
            with connection.wrap_database_errors, cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
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
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now, added = _stamps(model)
    stamped = [(f.attname, now if getattr(f, "auto_now", False) else added) for f in fields
               if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:
        for name, stamp in stamped:
            if getattr(obj, name) is None:
                setattr(obj, name, stamp)
    rows = [tuple(getattr(obj, f.attname) for f in fields) for obj in objs]
    insert_rows(model, [f.attname for f in fields], rows, batch_size)


def insert_dicts(model, rows: list[dict], batch_size: int = 1000) -> None:
    """Insert rows given as {attname: value}; a column left out gets the model's default, once per call.

    No model instance is built (their __init__ was the largest cost of an import's write): callable
    defaults and auto_now/auto_now_add stamps are evaluated once for the call, so every row of one
    call shares them (e.g. one `at` for a chunk's history events; their order is then the id order).
    """
    if not rows:
        return
    now, added = _stamps(model)
    names, defaults = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        names.append(f.attname)
        if getattr(f, "auto_now", False):
            defaults.append(now)
        elif getattr(f, "auto_now_add", False):
            defaults.append(added)
        else:
            defaults.append(f.get_default())
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):
        # The usual call: every row gives the same columns, taken by one C-level getter per row (a value
        # at a time in Python was a third of the time spent building an import's parameters).
        given = [n for n in names if n in first]
        rest = [(n, d) for n, d in zip(names, defaults) if n not in first]
        tail = tuple(d for _, d in rest)
        getter = operator.itemgetter(*given)
        if len(given) == 1:
            tuples = [(getter(row), *tail) for row in rows]
        elif tail:
            tuples = [getter(row) + tail for row in rows]
        else:
            tuples = [getter(row) for row in rows]
        insert_rows(model, [*given, *(n for n, _ in rest)], tuples, batch_size)
        return
    pairs = list(zip(names, defaults))
    tuples = [tuple(row[n] if n in row else d for n, d in pairs) for row in rows]
    insert_rows(model, names, tuples, batch_size)


def update_objects(model, objs: list, fields: list[str], batch_size: int = 1000) -> None:
    """UPDATE each object's `fields` (attributes of any object with a `pk`) in model's table by primary key (what
    bulk_update writes, without its CASE WHEN per row: that took 30 s of a 17k-loan monthly import). Like
    bulk_update, no auto_now. An object given twice is written once, with its last values.

    PostgreSQL: one `UPDATE … FROM jsonb_to_recordset(…)` per batch — a statement per row fired the loans'
    statement trigger (`loans.totals`) once per row, which doubled a 20k-loan balance update. The batch is one JSON
    parameter, encoded by the json module's C encoder and cast to each column's type by the server: a VALUES list
    with a placeholder per value cost psycopg ~30 µs a value to merge into the statement in Python (an eighth of the
    100k demo's CPU), and array parameters as much to escape. SQLite: one `executemany`."""
    if not objs:
        return
    meta = model._meta
    q = connection.ops.quote_name
    cols = [_column(meta, f) for f in fields]
    table, pk = q(meta.db_table), q(meta.pk.column)
    if connection.vendor == "postgresql":
        _update_by_json(model, objs, cols, batch_size)
        return
    convs = [_converter(c) for c in cols]
    rows = {}
    for obj in objs:
        row = [getattr(obj, c.attname) for c in cols]
        for i, conv in enumerate(convs):
            if conv is not None and row[i] is not None:
                row[i] = conv(row[i])
        row.append(obj.pk)
        rows.pop(obj.pk, None)
        rows[obj.pk] = row
    rows = list(rows.values())
    sql = f"UPDATE {table} SET {', '.join(f'{q(c.column)} = %s' for c in cols)} WHERE {pk} = %s"
    with connection.cursor() as cur:
        for start in range(0, len(rows), batch_size):
            cur.executemany(sql, rows[start : start + batch_size])


def _json_default(value):
    # Decimal, date, datetime: their text is what PostgreSQL reads back into the column's type.
    return str(value)


def _update_by_json(model, objs: list, cols: list, batch_size: int) -> None:
    """`update_objects` on PostgreSQL: each batch's rows as one JSON array of objects."""
    meta = model._meta
    q = connection.ops.quote_name
    table, pk = q(meta.db_table), q(meta.pk.column)
    is_json = [isinstance(c, models.JSONField) for c in cols]
    if any(isinstance(c, models.BinaryField) for c in cols):
        raise TypeError(f"update_objects: {meta.label}'s binary columns have no JSON text")  # str(bytes) is not them
    # A JSON column's value travels as its own encoded text (the field's encoder), cast to jsonb in the SET.
    defs = ", ".join(f"v{i} {'text' if is_json[i] else c.db_type(connection)}" for i, c in enumerate(cols))
    assign = ", ".join(f"{q(c.column)} = v.v{i}{'::jsonb' if is_json[i] else ''}" for i, c in enumerate(cols))
    sql = (f"UPDATE {table} SET {assign} FROM jsonb_to_recordset(%s::jsonb) AS v({defs}, pk {meta.pk.db_type(connection)}) "
           f"WHERE {table}.{pk} = v.pk")
    keys = [f"v{i}" for i in range(len(cols))]
    encoders = [(lambda v, enc=c.encoder: json.dumps(v, cls=enc)) if is_json[i] else None for i, c in enumerate(cols)]
    rows = {}
    for obj in objs:
        row = {}
        for key, c, enc in zip(keys, cols, encoders):
            value = getattr(obj, c.attname)
            row[key] = enc(value) if enc is not None and value is not None else value
        row["pk"] = obj.pk
        rows.pop(obj.pk, None)  # given twice: written once, with its last values
        rows[obj.pk] = row
    rows = list(rows.values())
    with connection.cursor() as cur:
        for start in range(0, len(rows), batch_size):
            cur.execute(sql, [json.dumps(rows[start : start + batch_size], default=_json_default, ensure_ascii=False)])


def values_by(model, key: str, keys, *columns: str) -> dict:
    """{key value: (columns…)} for rows whose `key` column is in `keys`, by plain SQL in bounded IN lists.

    For text and integer columns only (no converters are applied): ids of rows just inserted, hashes.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    meta = model._meta
    q = connection.ops.quote_name
    key_col = q(_column(meta, key).column)
    cols = ", ".join(q(_column(meta, c).column) for c in columns)
    found = {}
    with connection.cursor() as cur:
        for start in range(0, len(keys), IN_CHUNK):
            part = keys[start : start + IN_CHUNK]
            cur.execute(
                f"SELECT {key_col}, {cols} FROM {q(meta.db_table)} WHERE {key_col} IN ({', '.join(['%s'] * len(part))})",
                part,
            )
            for row in cur.fetchall():
                found[row[0]] = row[1:] if len(columns) > 1 else row[1]
    return found


def delete_in(model, key: str, keys, **equal) -> None:
    """DELETE the rows whose `key` column is in `keys` (and whose other columns equal `equal`), in bounded IN lists."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    meta = model._meta
    q = connection.ops.quote_name
    where = "".join(f" AND {q(_column(meta, c).column)} = %s" for c in equal)
    with connection.cursor() as cur:
        for start in range(0, len(keys), IN_CHUNK):
            part = keys[start : start + IN_CHUNK]
            cur.execute(
                f"DELETE FROM {q(meta.db_table)} WHERE {q(_column(meta, key).column)} IN ({', '.join(['%s'] * len(part))}){where}",
                [*part, *equal.values()],
            )


def lock_for_transaction(name: str) -> None:
    """Make transactions taking the same named lock run one after the other, from here to their end.

    PostgreSQL: a transaction-level advisory lock. SQLite already lets one writer at a time write.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def _app_table_names() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _app_tables() -> str:
    return ", ".join(connection.ops.quote_name(t) for t in _app_table_names())


@contextlib.contextmanager
def checks_per_statement():
    """Check the foreign keys of what a bulk block writes at the end of each statement, not all at its commit.

    Django declares every foreign key DEFERRABLE INITIALLY DEFERRED, so PostgreSQL queues one check per row
    written and runs them all at COMMIT, in the order written, each looking up the referenced row: the
    50,000-loan demo's COMMIT took 45.8 s (5.9 s at 20,000), likely because a large load's referenced rows have
    long left shared_buffers by then (docs/scale.md). Checked per statement, each chunk's rows are looked up while
    the chunk's loans are still in memory. A bulk block writes every referenced row
    before the rows that reference it (the checks would refuse it otherwise, naming the constraint). The
    transaction's own mode is restored at the end of the block (no constraint here is declared otherwise than
    deferred). Elsewhere than PostgreSQL, nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    # Reached when the block succeeded (a failed one is rolled back to its savepoint, which restores the mode).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def refresh_planner_statistics() -> None:
    """ANALYZE the database after a large write: the query planner's row estimates come from these statistics,
    and after a bulk load they still say the tables are empty. On PostgreSQL the autovacuum daemon would gather
    them later (if it runs: on some clusters it is off), and until then a page's join of 20,000 loans was
    planned as a nested loop over 2 (the campaign summary at 20k loans: 9.8 s before, 1.4 s after). SQLite's
    planner reads `sqlite_stat1` the same way. Safe inside a transaction on both.

    On PostgreSQL only this application's tables that changed enough since they were last analysed, by the
    autovacuum daemon's rule (`_changed_rows`): a bare `ANALYZE` also analyses the cluster's shared catalogs
    (pg_database, pg_authid) and holds a lock on them to the end of the import's transaction, which kept another
    database's ANALYZE waiting 50 s behind a demo's load; and every table of the application, each time, was a
    second or more per import at 20,000 loans, most of them tables the import had not touched."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        analyzed = _analyzed_in_transaction(cursor)
        changed = _changed_rows(cursor, analyzed)
        stale = [t for t, (rows, reltuples, _) in changed.items()
                 if rows > 0 and (reltuples < 0 or rows > ANALYZE_THRESHOLD + ANALYZE_SCALE * reltuples)]
        if stale:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in stale))
            analyzed.update((t, changed[t][2]) for t in stale)


# The autovacuum daemon's rule for when a table's statistics are stale (autovacuum_analyze_threshold and
# autovacuum_analyze_scale_factor at PostgreSQL's defaults): more rows changed than 50 plus a tenth of its rows.
# A table never analysed (reltuples -1) is analysed once it has changed at all.
ANALYZE_THRESHOLD, ANALYZE_SCALE = 50, 0.1


STATISTICS_EVERY = 20  # chunks (20,000 loans at the derivers' 1,000) between two checks: a query of a few ms


class GrowingTables:
    """The planner statistics of the tables a long chunked refresh fills, kept current as it goes (PostgreSQL).

    A deriver reads its own stored rows for each chunk of loans (`loan_id = ANY(1,000 ids)`) and writes the
    chunk's new rows. On a first refresh those tables start empty or never analysed: with no statistics the
    planner takes each of the 1,000 ids to match half a percent of the rows, so the whole list to match nearly
    all of them, and reads the whole table for every chunk — a table that grows with every chunk. In the
    1,000,000-loan demo the suggestions' read rose from a sixth of their refresh's time to half of it in 13
    minutes. Every `every` chunks that inserted rows, `chunk_written` asks `refresh_planner_statistics`
    (autovacuum's rule: only tables changed by 50 rows plus a tenth since their last statistics are analysed, so a
    table is analysed a bounded number of times). A refresh that only rewrites rows (a new day's sweep: every clock
    row updated) does not ask: its tables keep their shape, and an ANALYZE of a 1,000,000-row table is 0.7 s.
    SQLite's planner takes an index on an equality without statistics: nothing to do."""

    def __init__(self, every: int | None = None):
        self.every = every or STATISTICS_EVERY
        self.chunks = 0
        self.inserted = 0

    def chunk_written(self, inserted: int) -> None:
        """After a chunk's writes; `inserted`: the rows it added."""
        self.chunks += 1
        self.inserted += inserted
        if self.chunks % self.every == 0 and self.inserted and connection.vendor == "postgresql":
            self.inserted = 0
            refresh_planner_statistics()


def _analyzed_in_transaction(cursor) -> dict:
    """{table: the rows this transaction had changed in it when it last analysed it}, kept on the connection for
    the transaction under way: a later transaction starts afresh."""
    cursor.execute("SELECT txid_current_if_assigned()")
    xid = cursor.fetchone()[0]
    memo = getattr(connection, "_npl_analyzed", None)
    if xid is None or memo is None or memo[0] != xid:
        memo = connection._npl_analyzed = (xid, {})
    return memo[1]


def _changed_rows(cursor, analyzed: dict) -> dict[str, tuple[int, float, int]]:
    """{table: (rows changed since its statistics were gathered, the rows they counted, this transaction's own
    changes)} for the application's tables. The changes are this transaction's own (pg_stat_xact_user_tables)
    since it last analysed the table, and, for a table it has not analysed, those committed before it
    (n_mod_since_analyze)."""
    tables = _app_table_names()
    cursor.execute(
        "SELECT x.relname, x.n_tup_ins + x.n_tup_upd + x.n_tup_del, COALESCE(s.n_mod_since_analyze, 0), c.reltuples "
        "FROM pg_stat_xact_user_tables x JOIN pg_class c ON c.oid = x.relid "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = x.relid "
        "WHERE x.schemaname = current_schema() AND x.relname = ANY(%s)",
        [tables],
    )
    return {name: (mine - analyzed[name] if name in analyzed else mine + committed, reltuples, mine)
            for name, mine, committed, reltuples in cursor.fetchall()}


def tidy_after_bulk() -> bool:
    """After a large write has committed: on PostgreSQL `VACUUM (ANALYZE)` this application's tables, so the
    pages read live rows only; elsewhere, or inside a transaction (VACUUM cannot run in one), the statistics
    only (`refresh_planner_statistics`). Returns whether it vacuumed.

    The stored derived rows are rewritten by every import, the daily sweep and a recompute, and each rewrite
    leaves the old row versions behind until a VACUUM. The autovacuum daemon would clear them, but some clusters
    run without it (this project's CI server: `autovacuum = off`): after the 100k demo its suggestions table
    held 194,224 dead rows beside 153,140 live ones and the loans table 251,606 beside 100,000, and the busiest
    collector's worklist read 4,624 index entries for 371 rows (37 ms, 8 ms after a VACUUM). A VACUUM right after
    the write also sets the visibility map that lets index-only scans skip the table.

    Only a process that waits for locks vacuums: the command line and the worker (`npl.cli` sets
    NPL_PG_LOCK_TIMEOUT to 0). A web process's own small import gathers statistics only: the person is not kept
    waiting, and a lock not granted in time would answer 503 for an import that was saved. What was written is
    committed either way: a VACUUM that fails is logged, not raised."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or settings.NPL_PG_LOCK_TIMEOUT:
        refresh_planner_statistics()
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + _app_tables())
    except DatabaseError as exc:
        logger.warning("VACUUM (ANALYZE) after a bulk write failed: %s", exc)
        return False
    return True
