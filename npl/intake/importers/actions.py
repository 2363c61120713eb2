"""`npl import actions`: the collection ledger (催收台账), key 借据号 + 催收日期 + 催收方式."""
from npl.collection.choices import METHOD_ALIASES, SIGNATURE_ALIASES, Method, Signature
from npl.collection.models import CollectionAction
from npl.core.bulk import insert_dicts, update_objects
from npl.intake import normalize as n
from npl.intake.headers import Column
from npl.intake.importers.base import Importer, write_events
from npl.intake.importers.refs import LoanRefMixin
from npl.loans.choices import EventKind
from npl.loans.models import Loan

FIELDS = ["signature", "collector_name", "outcome", "promise_date", "promise_amount", "note"]


_LABELS = {choices: {value: str(label) for value, label in choices.choices} for choices in (Method, Signature)}


def _label(choices, value) -> str:
    """A choice's label, or the value itself when it is none of them (as get_FOO_display()); from a dict made once,
    since `choices.values` builds its list at every call (1.9 s of the demo's 194,037 ledger rows)."""
    return _LABELS[choices].get(value, value)


class ActionsImporter(LoanRefMixin, Importer):
    """Collection actions with how they were received (签收情况), which the legal clocks read."""

    kind = "actions"
    key_fields = ("loan_no", "acted_on", "method")
    stored_in = {
        "loan_no": (Loan, "loan_no"), "collector_name": (CollectionAction, "collector_name"),
        "outcome": (CollectionAction, "outcome"), "note": (CollectionAction, "note"),
    }
    columns = [
        Column("loan_no", "借据号", ("借据编号", "贷款账号"), True),
        Column("acted_on", "催收日期", ("日期",), True),
        Column("method", "催收方式", (), True),
        Column("signature", "签收情况", ("签收",), True),
        Column("collector_name", "催收人", ("催收人员",)),
        Column("outcome", "催收结果"),
        Column("promise_date", "承诺还款日期"),
        Column("promise_amount", "承诺还款金额"),
        Column("note", "备注"),
    ]

    @classmethod
    def key_label(cls, key):
        """借据号|日期|方式 with the method's Chinese name (the JSON key keeps its code)."""
        parts = str(key or "").split("|")
        if len(parts) == 3 and parts[2] in Method.values:
            parts[2] = Method(parts[2]).label
        return "|".join(parts) if key else key

    def parse(self, raw):
        return {
            "loan_no": n.key_text(raw["loan_no"], "借据号"),
            "acted_on": n.date(raw["acted_on"], "催收日期"),
            "method": str(n.choice(raw["method"], "催收方式", METHOD_ALIASES)),
            "signature": str(n.choice(raw["signature"], "签收情况", SIGNATURE_ALIASES)),
            "collector_name": n.name(raw.get("collector_name")),
            "outcome": n.text(raw.get("outcome")),
            "promise_date": n.date(raw.get("promise_date"), "承诺还款日期"),
            "promise_amount": n.amount(raw.get("promise_amount"), "承诺还款金额"),
            "note": n.text(raw.get("note")),
        }

    def write(self, rows):
        ctx = self.ctx
        existing = {
            (a.loan_id, a.acted_on, a.method): a
            for a in CollectionAction.objects.filter(loan_id__in=[r.ref.pk for r in rows], acted_on__in={r.values["acted_on"] for r in rows})
        }
        new, changed, events = [], [], []
        batch_id = ctx.batch.pk if ctx.batch is not None else None
        actor_id = ctx.user.pk if ctx.user is not None else None
        for row in rows:
            v = row.values
            action = existing.get((row.ref.pk, v["acted_on"], v["method"]))
            if action is None:
                # Plain rows (core.bulk), as the loans import writes: model instances and bulk_create were most
                # of a large ledger's write. The note reads the choices' labels as get_*_display() would.
                new.append({"loan_id": row.ref.pk, "acted_on": v["acted_on"], "method": v["method"], "batch_id": batch_id,
                            **{f: v[f] for f in FIELDS}})
                row.outcome = "created"
                note = f"{_label(Method, v['method'])}（{_label(Signature, v['signature'])}）{v['outcome']}".strip()
                events.append({"loan_id": row.ref.pk, "kind": EventKind.ACTION, "field": "action",
                               "after": {"method": v["method"], "signature": v["signature"]}, "occurred_on": v["acted_on"],
                               "batch_id": batch_id, "actor_id": actor_id, "note": note})
                continue
            diff = {f: (getattr(action, f), v[f]) for f in FIELDS if getattr(action, f) != v[f]}
            if not diff:
                row.outcome = "unchanged"
                continue
            for f, (old, nv) in diff.items():
                if f == "signature":
                    old, nv = Signature(old).label if old in Signature.values else old, Signature(nv).label
                self.record_change(row, f, self.label_of(f), old, nv)
            for f, (_, nv) in diff.items():
                setattr(action, f, nv)
            action.batch = ctx.batch
            changed.append(action)
            row.outcome = "updated"
            events.append({"loan_id": row.ref.pk, "kind": EventKind.ACTION, "field": "action",
                           "before": {f: None if o is None else str(o) for f, (o, _) in diff.items()},
                           "after": {f: None if nv is None else str(nv) for f, (_, nv) in diff.items()},
                           "occurred_on": v["acted_on"], "batch_id": batch_id, "actor_id": actor_id, "note": "催收台账更正"})
        insert_dicts(CollectionAction, new)
        update_objects(CollectionAction, changed, FIELDS + ["batch"])
        write_events(events)
