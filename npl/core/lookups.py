"""`field__ids=[…]`: an IN list of integer keys without Django's per-value preparation (issue 16).

The derivers and the facts they read filter a chunk of about 1,000 loans a query, a dozen queries a chunk:
Django's `__in` prepares every value through the field (and for a foreign key through its target field)
twice — a quarter of the suggestions deriver's time over 25,000 loans (py-spy), more than the SQL itself.
The keys there are loan ids the code itself read from the database, so they need no preparation beyond
`int()`, which still refuses anything that is not an integer. Registered on every field (`CoreConfig.ready`);
use it where the list is long and made of ids, keep `__in` for everything else.
"""
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class IdsIn(In):
    """`column IN (%s, …)` over distinct integers, each a parameter (never interpolated)."""

    lookup_name = "ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        if not isinstance(self.rhs, (list, tuple, set, frozenset, range)):
            raise TypeError(f"__ids needs a list of integers, not {type(self.rhs).__name__} (use __in for a subquery)")
        return sorted({int(v) for v in self.rhs})  # int(): a text or object key is refused here

    def batch_process_rhs(self, compiler, connection, rhs=None):
        values = tuple(self.rhs if rhs is None else rhs)
        return ["%s"] * len(values), values


def register() -> None:
    """Make `__ids` available on every model field; relations keep their own lookup table, so on them too."""
    Field.register_lookup(IdsIn)
    ForeignObject.register_lookup(IdsIn)
