"""`npl import loan-list impersonated_or_staff`: the bank's loan-level list, dated; the latest is current."""
from npl.categories.choices import LOAN_LIST_TYPES
from npl.categories.models import LoanListEntry
from npl.core.bulk import update_objects
from npl.intake import normalize as n
from npl.intake.headers import Column
from npl.intake.importers.base import Importer
from npl.intake.importers.refs import LoanRefMixin
from npl.loans.choices import EventKind
from npl.loans.models import Borrower, Loan, LoanEvent

SUB_NAMES = {"impersonated": "冒名顶替", "bank_staff": "农合行职工"}


class LoanListImporter(LoanRefMixin, Importer):
    """Impersonated (冒名顶替) and bank-staff (农合行职工借名) loans; loans dropped from the list leave it."""

    kind = "loan-list"
    key_fields = ("loan_no",)
    stored_in = {"loan_no": (Loan, "loan_no"), "borrower_name": (Borrower, "name")}
    columns = [
        Column("loan_no", "借据号", ("借据编号", "贷款账号"), True),
        Column("type", "类型", ("贷款类型", "认定类型"), True),
        Column("borrower_name", "借款人", ("客户名称", "借款人姓名", "姓名")),
    ]

    def __init__(self, ctx):
        super().__init__(ctx)
        self.listed: set[int] = set()

    def parse(self, raw):
        return {
            "loan_no": n.key_text(raw["loan_no"], "借据号"),
            "subcategory": str(n.choice(raw["type"], "类型", LOAN_LIST_TYPES)),
            "borrower_name": n.name(raw.get("borrower_name")),
        }

    def write(self, rows):
        ctx = self.ctx
        loans = {r.ref.pk: r for r in rows}
        self.listed.update(loans)
        open_entries = {e.loan_id: e for e in LoanListEntry.objects.filter(list_kind=ctx.sub_kind, loan_id__in=list(loans), valid_to__isnull=True)}
        new, ended, events = [], [], []
        for loan_id, row in loans.items():
            self.check_borrower_name(row, row.values["borrower_name"])
            sub = row.values["subcategory"]
            entry = open_entries.get(loan_id)
            if entry is not None and (entry.subcategory == sub or entry.valid_from > ctx.as_of):
                row.outcome = "unchanged"
                continue
            if entry is not None:
                entry.valid_to, entry.ended_by = ctx.as_of, ctx.batch
                ended.append(entry)
                row.outcome = "updated"
                self.record_change(row, "type", "类型", SUB_NAMES.get(entry.subcategory, entry.subcategory), SUB_NAMES[sub])
            else:
                row.outcome = "created"
            new.append(LoanListEntry(loan_id=loan_id, list_kind=ctx.sub_kind, subcategory=sub, valid_from=ctx.as_of, batch=ctx.batch))
            events.append(LoanEvent(loan_id=loan_id, kind=EventKind.CATEGORY, field=sub, before=entry.subcategory if entry else None,
                                    after=sub, occurred_on=ctx.as_of, batch=ctx.batch, actor=ctx.user,
                                    note=f"列入{SUB_NAMES[sub]}贷款清单"))
        update_objects(LoanListEntry, ended, ["valid_to", "ended_by"])
        LoanListEntry.objects.bulk_create(new)
        LoanEvent.objects.bulk_create(events)

    def finish(self, written_keys):
        ctx = self.ctx
        gone = list(
            LoanListEntry.objects.filter(list_kind=ctx.sub_kind, valid_to__isnull=True, valid_from__lte=ctx.as_of)
            .filter(loan__in=self.loan_queryset())
            .exclude(loan_id__in=self.listed)
        )
        for entry in gone:
            entry.valid_to, entry.ended_by = ctx.as_of, ctx.batch
        update_objects(LoanListEntry, gone, ["valid_to", "ended_by"])
        LoanEvent.objects.bulk_create(
            LoanEvent(loan_id=e.loan_id, kind=EventKind.CATEGORY, field=e.subcategory, before=e.subcategory, after=None,
                      occurred_on=ctx.as_of, batch=ctx.batch, actor=ctx.user, note=f"移出{SUB_NAMES[e.subcategory]}贷款清单")
            for e in gone
        )
