"""`npl import repayments`: the bank's repayment flow, keyed by 交易流水号, confirmed on import."""
from decimal import Decimal

from npl.collection.choices import CHANNEL_ALIASES, Channel
from npl.collection.models import Repayment
from npl.collection.services import after_confirmed
from npl.core.bulk import insert_dicts, update_objects
from npl.intake import normalize as n
from npl.intake.choices import Reason
from npl.intake.headers import Column
from npl.intake.importers.base import Importer, write_events
from npl.intake.importers.refs import LoanRefMixin
from npl.intake.normalize import RowError
from npl.loans.choices import EventKind
from npl.loans.models import Borrower, Loan

FIELDS = ["loan_id", "paid_on", "principal", "interest", "channel", "channel_text"]
AFTER_CHUNK = 5000  # loans per round of balances and what follows them (their repayments read at once)


class RepaymentsImporter(LoanRefMixin, Importer):
    """Each repayment is kept; those after a loan's latest snapshot lower its current balance."""

    kind = "repayments"
    key_fields = ("txn_no",)
    stored_in = {
        "txn_no": (Repayment, "txn_no"), "loan_no": (Loan, "loan_no"), "channel_text": (Repayment, "channel_text"),
        "borrower_name": (Borrower, "name"),
    }
    columns = [
        Column("txn_no", "交易流水号", ("流水号", "交易流水"), True),
        Column("loan_no", "借据号", ("借据编号", "贷款账号"), True),
        Column("paid_on", "还款日期", ("交易日期",), True),
        Column("principal", "归还本金", ("还本金额", "本金"), True),
        Column("interest", "归还利息", ("还息金额", "利息")),
        Column("channel", "还款方式", ("还款渠道",)),
        Column("borrower_name", "借款人", ("客户名称", "借款人姓名", "姓名")),
    ]

    def __init__(self, ctx):
        super().__init__(ctx)
        self.touched: set[int] = set()  # the loans whose repayments this file wrote or corrected

    def parse(self, raw):
        principal = n.amount(raw["principal"], "归还本金", required=True)
        interest = n.amount(raw.get("interest"), "归还利息") or Decimal("0.00")
        if principal == 0 and interest == 0:
            raise RowError(Reason.INVALID_AMOUNT, "归还本金和归还利息都为0")
        channel_text = n.text(raw.get("channel")).replace(" ", "")
        channel = n.choice(channel_text, "还款方式", CHANNEL_ALIASES, required=False) or "cash"
        return {
            "txn_no": n.key_text(raw["txn_no"], "流水号"),
            "loan_no": n.key_text(raw["loan_no"], "借据号"),
            "paid_on": n.date(raw["paid_on"], "还款日期"),
            "principal": principal,
            "interest": interest,
            "channel": str(channel),
            "channel_text": channel_text,
            "borrower_name": n.name(raw.get("borrower_name")),
        }

    def _record_changes(self, row, diff: dict) -> None:
        """The report's `changes` for a corrected repayment (the loan by its number, the channel by its label)."""
        for f, (old, new) in diff.items():
            if f == "channel" and "channel_text" in diff:
                continue  # the words the bank wrote say it better (现金 → 转账 is one channel)
            if f == "channel_text":
                self.record_change(row, "channel", "还款方式", old, new)
                continue
            if f == "loan_id":
                old = Loan.objects.filter(pk=old).values_list("loan_no", flat=True).first()
                new = row.values["loan_no"]
                self.record_change(row, "loan_no", "借据号", old, new)
                continue
            if f == "channel":
                old, new = Channel(old).label if old in Channel.values else old, Channel(new).label
            self.record_change(row, f, self.label_of(f), old, new)

    def write(self, rows):
        ctx = self.ctx
        existing = {r.txn_no: r for r in Repayment.objects.filter(txn_no__in=[row.key for row in rows])}
        new, changed, events, touched = [], [], [], set()
        batch_id = ctx.batch.pk if ctx.batch is not None else None
        actor_id = ctx.user.pk if ctx.user is not None else None
        for row in rows:
            v = {**row.values, "loan_id": row.ref.pk}
            self.check_borrower_name(row, v["borrower_name"])
            rep = existing.get(v["txn_no"])
            if rep is None:
                # Plain rows (core.bulk), as the loans import writes: model instances and bulk_create were most of
                # a large flow's write.
                new.append({"txn_no": v["txn_no"], "batch_id": batch_id, "recorded_by_id": actor_id, "confirmed": True,
                            **{f: v[f] for f in FIELDS}})
                row.outcome = "created"
                events.append({"loan_id": row.ref.pk, "kind": EventKind.REPAYMENT, "field": "repayment",
                               "after": {"txn_no": v["txn_no"], "principal": str(v["principal"]), "interest": str(v["interest"]), "channel": v["channel"]},
                               "occurred_on": v["paid_on"], "batch_id": batch_id, "actor_id": actor_id,
                               "note": f"还款 本金{v['principal']}元 利息{v['interest']}元（{v['channel_text'] or '现金'}）"})
                touched.add(row.ref.pk)
                continue
            diff = {f: (getattr(rep, f), v[f]) for f in FIELDS if getattr(rep, f) != v[f]}
            if not diff:
                row.outcome = "unchanged"
                continue
            touched.update({rep.loan_id, row.ref.pk})
            self._record_changes(row, diff)
            for f, (_, new_value) in diff.items():
                setattr(rep, f, new_value)
            rep.batch = ctx.batch
            changed.append(rep)
            row.outcome = "updated"
            events.append({"loan_id": row.ref.pk, "kind": EventKind.REPAYMENT, "field": "repayment",
                           "before": {f: str(old) for f, (old, _) in diff.items()}, "after": {f: str(nv) for f, (_, nv) in diff.items()},
                           "occurred_on": v["paid_on"], "batch_id": batch_id, "actor_id": actor_id,
                           "note": f"银行更正还款流水 {v['txn_no']}"})
        insert_dicts(Repayment, new)
        update_objects(Repayment, changed, FIELDS + ["batch"])
        write_events(events)
        self.touched |= touched

    def finish(self, written_keys):
        # Balances, and what follows a repayment: promises kept, plan instalments paid, 借新还旧 guarantors. Once for
        # the file, after its last chunk: a bank's flow is in date order, so a loan's repayments fall in several
        # chunks, and each chunk's pass rewrote the loan's row (a new version in each of its indexes) and wrote a
        # balance event (the 100k demo's flow: 60.1 s per chunk, 32.3 s once per file). By rounds of loans in id
        # order (the rows are locked in that order), each loan once.
        touched = sorted(self.touched)
        for start in range(0, len(touched), AFTER_CHUNK):
            after_confirmed(touched[start : start + AFTER_CHUNK], batch=self.ctx.batch, actor=self.ctx.user,
                            note="还款后余额")
