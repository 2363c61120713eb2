"""`field__ids=[…]` and `field__texts=[…]`: IN lists of plain values without Django's per-value preparation
(issue 16).

The derivers and the facts they read filter a chunk of about 1,000 loans a query, a dozen queries a chunk:
Django's `__in` prepares every value through the field (and for a foreign key through its target field)
twice — a quarter of the suggestions deriver's time over 25,000 loans (py-spy), more than the SQL itself.
The keys there are loan ids the code itself read from the database, so they need no preparation beyond
`int()`, which still refuses anything that is not an integer; `__texts` takes strings only (ID hashes, loan
numbers). On PostgreSQL the list is one array parameter (`= ANY(%s)`, the same plan as an IN list): psycopg
merges every parameter into the statement in Python, about 30 µs each, and an IN list of 10,000 ids spent longer
there than in the database (the likelihood training's category query over a 10,000-loan sample). Registered on
every field (`CoreConfig.ready`); use them where the list is long, keep `__in` for subqueries and short lists.
"""
from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class _PlainIn(In):
    """`column IN (%s, …)` over distinct values, each a parameter (never interpolated); on PostgreSQL
    `column = ANY(%s)` with the list as one array parameter. Subclasses say what a value must be."""

    prepare_rhs = False
    array_cast = ""  # appended to the array parameter on PostgreSQL

    def values(self, given) -> list:
        raise NotImplementedError

    def get_prep_lookup(self):
        if not isinstance(self.rhs, (list, tuple, set, frozenset, range)):
            raise TypeError(f"__{self.lookup_name} needs a list, not {type(self.rhs).__name__} (use __in for a subquery)")
        return self.values(self.rhs)

    def batch_process_rhs(self, compiler, connection, rhs=None):
        values = tuple(self.rhs if rhs is None else rhs)
        return ["%s"] * len(values), values

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s{self.array_cast})", (*lhs_params, list(self.rhs))


class IdsIn(_PlainIn):
    """`field__ids=[…]`: distinct integers."""

    lookup_name = "ids"
    array_cast = "::bigint[]"

    def values(self, given) -> list:
        return sorted({int(v) for v in given})  # int(): a text or object key is refused here

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        if connection.vendor == "postgresql":
            # The array as its text, joined at C speed: psycopg's list dumper quotes each element in Python (7.7 %
            # of the likelihood training's time over a 10,000-loan sample). Only integers, so nothing to escape.
            params = (*params[:-1], "{" + ",".join(map(str, params[-1])) + "}")
        return sql, params


class TextsIn(_PlainIn):
    """`field__texts=[…]`: distinct strings."""

    lookup_name = "texts"
    array_cast = "::text[]"

    def values(self, given) -> list:
        if isinstance(given, range) or not all(isinstance(v, str) for v in given):
            raise TypeError("__texts needs a list of strings")
        return sorted(set(given))


def register() -> None:
    """Make `__ids` and `__texts` available on every model field; relations keep their own lookup table, so on
    them too."""
    for lookup in (IdsIn, TextsIn):
        Field.register_lookup(lookup)
        ForeignObject.register_lookup(lookup)
