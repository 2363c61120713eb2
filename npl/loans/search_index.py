"""The search box's indexes and the borrower-side query they serve, per database backend.

Keys are the stored `Borrower.pinyin_initials` / `pinyin_full` (space-separated variants, one per reading of
the surname: 单丽 → "dl cl sl") and the name. A letters-only text matches the start of any variant; a name
text matches anywhere in the name (张三 finds 王张三).

- PostgreSQL: a GIN index on the array of every prefix of every variant (`loans_pinyin_prefixes`: "zs zhs" →
  {z, zs, zh, zhs}) serves a letters-only text as one exact key, `prefixes @> {zs}`: it reads the matching
  borrowers only (issue 16: the trigram indexes this replaced read the posting list of "  z", a tenth of all
  borrowers, for a two-letter text, and the planner preferred a scan of the table). A trigram GIN index (pg_trgm)
  on the name serves, for a name text of 3 characters or more, `LIKE '%王张三%'` (pg_trgm takes no trigram from a
  shorter unanchored text: a 1–2 character name text reads the borrower table's name column).
- SQLite: an FTS5 table `loans_borrower_search` (contentless, rowid = borrower id) kept by triggers; its
  tokens are the variants and the name's suffixes (王张三 → 王张三 张三 三), so a token-prefix query is the
  `contains` above. Names longer than NAME_SUFFIXES characters, or a text with separators (·, spaces)
  fall back to a scan of the name column.
"""
from django.db.models import Q
from django.db.models.expressions import RawSQL

FTS = "loans_borrower_search"
TRGM_COLUMNS = ("name",)
# Trigram indexes of the pinyin keys before the prefix index took their place (migration 0005).
OLD_TRGM_COLUMNS = ("pinyin_initials", "pinyin_full")
PREFIXES = "loans_pinyin_prefixes(pinyin_initials, pinyin_full)"
# COST: each call unnests and aggregates every prefix of the keys. Priced as a plain operator (100), it made the
# ledger's search page walk the loans in loan-number order, computing each borrower's prefixes until 50 matched
# (442 ms at 100k loans); priced near what it costs, the page reads the index's matches and sorts them (6 ms).
PREFIX_COST = 5000
PREFIX_FUNCTION = f"""CREATE OR REPLACE FUNCTION loans_pinyin_prefixes(initials text, fulls text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST {PREFIX_COST} AS $$
  SELECT COALESCE(array_agg(DISTINCT left(v, n)), '{{}}')
  FROM unnest(string_to_array(COALESCE(initials, '') || ' ' || COALESCE(fulls, ''), ' ')) AS v,
       generate_series(1, length(v)) AS n
$$"""
NAME_SUFFIXES = 12


def _name_keys(row: str) -> str:
    """SQL of the name's suffixes separated by spaces, for `row` = new or old in a trigger."""
    return " || ' ' || ".join(f"substr({row}.name, {i})" for i in range(1, NAME_SUFFIXES + 1))


def _values(row: str) -> str:
    return f"{row}.id, {row}.pinyin_initials, {row}.pinyin_full, {_name_keys(row)}"


def install(connection) -> None:
    """Create the backend's search indexes and fill them from the borrowers already stored."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for col in TRGM_COLUMNS:
                c.execute(f"CREATE INDEX IF NOT EXISTS loans_borrower_{col}_trgm ON loans_borrower "
                          f"USING gin ({col} gin_trgm_ops)")
            c.execute(PREFIX_FUNCTION)
            c.execute(f"CREATE INDEX IF NOT EXISTS loans_borrower_pinyin_prefixes ON loans_borrower USING gin ({PREFIXES})")
        elif connection.vendor == "sqlite":
            install_sqlite(c)


def install_sqlite(cursor) -> None:
    """The FTS5 table, its triggers (insert, update, delete) and its rows for existing borrowers."""
    cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
    cursor.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(initials, full, name_keys, content='')")
    insert = f"INSERT INTO {FTS}(rowid, initials, full, name_keys) VALUES ({_values('new')});"
    delete = f"INSERT INTO {FTS}({FTS}, rowid, initials, full, name_keys) VALUES ('delete', {_values('old')});"
    for name, event, body in (
        ("ai", "AFTER INSERT", insert),
        ("ad", "AFTER DELETE", delete),
        ("au", "AFTER UPDATE OF name, pinyin_initials, pinyin_full", delete + insert),
    ):
        cursor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{name}")
        cursor.execute(f"CREATE TRIGGER {FTS}_{name} {event} ON loans_borrower BEGIN {body} END")
    cursor.execute(f"INSERT INTO {FTS}(rowid, initials, full, name_keys) "
                   f"SELECT {_values('loans_borrower')} FROM loans_borrower")


def replace_pinyin_trigrams(connection) -> None:
    """Migration 0005: the pinyin keys' trigram indexes give way to the prefix index."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            for col in OLD_TRGM_COLUMNS:
                c.execute(f"DROP INDEX IF EXISTS loans_borrower_{col}_trgm")
    install(connection)


def restore_pinyin_trigrams(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("DROP INDEX IF EXISTS loans_borrower_pinyin_prefixes")
            c.execute("DROP FUNCTION IF EXISTS loans_pinyin_prefixes(text, text)")
            for col in OLD_TRGM_COLUMNS:
                c.execute(f"CREATE INDEX IF NOT EXISTS loans_borrower_{col}_trgm ON loans_borrower "
                          f"USING gin ({col} gin_trgm_ops)")


def uninstall(connection) -> None:
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            for col in TRGM_COLUMNS + OLD_TRGM_COLUMNS:
                c.execute(f"DROP INDEX IF EXISTS loans_borrower_{col}_trgm")
            c.execute("DROP INDEX IF EXISTS loans_borrower_pinyin_prefixes")
            c.execute("DROP FUNCTION IF EXISTS loans_pinyin_prefixes(text, text)")
        elif connection.vendor == "sqlite":
            for name in ("ai", "ad", "au"):
                c.execute(f"DROP TRIGGER IF EXISTS {FTS}_{name}")
            c.execute(f"DROP TABLE IF EXISTS {FTS}")


def _is_token(text: str) -> bool:
    """True when FTS5's unicode61 tokenizer keeps `text` as one token (letters and digits only)."""
    return all(ch.isalnum() for ch in text)


def borrower_match(text: str, connection, borrowers, *, pinyin: bool) -> Q:
    """A Q on Loan: its borrower's pinyin keys start a variant with `text` (pinyin) or its name contains it.
    `borrowers` is the Borrower queryset to look in (handed by loans.models, which this module does not import)."""
    if connection.vendor == "sqlite" and _is_token(text) and (pinyin or len(text) <= NAME_SUFFIXES):
        columns = "{initials full}" if pinyin else "name_keys"
        query = f'{columns} : "{text}" *'
        return Q(borrower_id__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [query]))
    if pinyin and connection.vendor == "postgresql":
        return Q(borrower_id__in=RawSQL(f"SELECT id FROM loans_borrower WHERE {PREFIXES} @> ARRAY[%s]::text[]", [text]))
    if pinyin:
        q = Q()
        for key in ("pinyin_initials", "pinyin_full"):
            q |= Q(**{f"{key}__startswith": text}) | Q(**{f"{key}__contains": f" {text}"})
    else:
        q = Q(name__contains=text)
    return Q(borrower_id__in=borrowers.filter(q).values("pk"))
