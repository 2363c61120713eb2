"""`field__ids=[…]`: an IN list of integer keys without Django's per-value preparation (issue 16).

The derivers and the facts they read filter a chunk of about 1,000 loans a query, a dozen queries a chunk:
Django's `__in` prepares every value through the field (and for a foreign key through its target field)
twice — a quarter of the suggestions deriver's time over 25,000 loans (py-spy), more than the SQL itself.
The keys there are loan ids the code itself read from the database, so they need no preparation beyond
`int()`, which still refuses anything that is not an integer. Registered on every field (`CoreConfig.ready`);
use it where the list is long and made of ids, keep `__in` for everything else.
"""
from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class IdsIn(In):
    """`column IN (%s, …)` over distinct integers, each a parameter (never interpolated); on PostgreSQL
    `column = ANY(%s)` with the list as one array parameter."""

    lookup_name = "ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        if not isinstance(self.rhs, (list, tuple, set, frozenset, range)):
            raise TypeError(f"__ids needs a list of integers, not {type(self.rhs).__name__} (use __in for a subquery)")
        return sorted({int(v) for v in self.rhs})  # int(): a text or object key is refused here

    def batch_process_rhs(self, compiler, connection, rhs=None):
        values = tuple(self.rhs if rhs is None else rhs)
        return ["%s"] * len(values), values

    def as_sql(self, compiler, connection):
        # PostgreSQL: one array parameter (`= ANY(%s)`, the same plan as an IN list). psycopg merges every
        # parameter into the statement in Python, about 30 µs each: an IN list of 10,000 ids spent longer there
        # than in the database (the likelihood training's category query over a 10,000-loan sample).
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s)", (*lhs_params, list(self.rhs))


class TextsIn(In):
    """`field__texts=[…]`: `column IN (…)` over distinct strings (ID hashes), as `__ids` does for integers — on
    PostgreSQL one array parameter (`= ANY(%s)`), elsewhere one parameter each."""

    lookup_name = "texts"
    prepare_rhs = False

    def get_prep_lookup(self):
        if not isinstance(self.rhs, (list, tuple, set, frozenset)):
            raise TypeError(f"__texts needs a list of strings, not {type(self.rhs).__name__} (use __in for a subquery)")
        if not all(isinstance(v, str) for v in self.rhs):
            raise TypeError("__texts needs a list of strings")
        return sorted(set(self.rhs))

    def batch_process_rhs(self, compiler, connection, rhs=None):
        values = tuple(self.rhs if rhs is None else rhs)
        return ["%s"] * len(values), values

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s::text[])", (*lhs_params, list(self.rhs))


def register() -> None:
    """Make `__ids` available on every model field; relations keep their own lookup table, so on them too."""
    for lookup in (IdsIn, TextsIn):
        Field.register_lookup(lookup)
        ForeignObject.register_lookup(lookup)
