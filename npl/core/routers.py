"""The database router: the report pages' reads may go to a replica; everything else to the primary.

Which requests may read from a replica, and which replicas answer, is `npl.core.replicas` (docs/scale.md).
Writes and migrations only ever go to the primary.
"""
from django.db import DEFAULT_DB_ALIAS, connections

from npl.core import replicas


class ReplicaRouter:
    """Primary for writes, migrations and every read outside a replica-marked request."""

    def db_for_read(self, model, **hints):
        state = replicas.current()
        if state is None or not state.may_use_replica or state.wrote:
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in replicas.PRIMARY_ONLY or model._meta.label_lower in replicas.PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        # In a transaction the reads belong with its writes (select_for_update, a service called from a page).
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if state.alias is None:
            state.alias = replicas.choose()  # once per request: its reads see one moment of one server
        return state.alias

    def db_for_write(self, model, **hints):
        state = replicas.current()
        if state is not None:
            state.wrote = True  # the rest of the request, and the person's next pages, read their own write
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        same_data = {DEFAULT_DB_ALIAS, *replicas.aliases()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True  # a replica is a copy of the primary: its rows are the primary's rows
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db.startswith("replica") or db in replicas.aliases():
            return False  # a standby is read-only: it gets the schema through replication
        return None
