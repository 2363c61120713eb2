"""Whose suggestion rules apply to each loan in a run over many loans (issue 18: rules per district), read once.

Its own module so that the services (a computed worklist) and the deriver (stored rows) both use it without
importing each other."""
from __future__ import annotations


class RuleSets:
    """The enabled rules of every district for a run over many loans: whose rules apply (its own, or the
    province default's — npl.core.tenancy) read once, each owner's rules at most once."""

    def __init__(self):
        from npl.advice.models import RULES
        from npl.core import tenancy

        self.owners = tenancy.owners(RULES)
        self.by_owner: dict = {}

    def of_owner(self, owner_id):
        """(engine rules, rule code → rule pk) of one owner."""
        from npl.advice.models import SuggestionRule
        from npl.core.tenancy import of_owner

        found = self.by_owner.get(owner_id)
        if found is None:
            rows = list(SuggestionRule.objects.filter(enabled=True, **of_owner(owner_id)))
            found = self.by_owner[owner_id] = ([r.spec() for r in rows], {r.code: r.pk for r in rows})
        return found

    def of_township(self, township_id):
        return self.of_owner(self.owners.of_township(township_id))
