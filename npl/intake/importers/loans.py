"""`npl import loans`: the bank's NPL list, a snapshot of its as-of day."""
from decimal import Decimal

from npl.collection.models import Repayment
from npl.core import crypto
from npl.core.bulk import insert_objects
from npl.intake import normalize as n
from npl.intake.choices import Reason
from npl.intake.headers import Column
from npl.intake.importers.base import Importer
from npl.intake.normalize import RowError
from npl.loans.choices import CLASSIFICATION_ALIASES, EventKind
from npl.loans.models import Borrower, Loan, LoanEvent, LoanSnapshot
from npl.loans.services import principal_repaid_after
from npl.org.models import Bank, Branch, Community, District, Township

# Fields of Loan an import may change, with how to show them in the history.
TRACKED = ["contract_no", "borrower_id", "township_id", "community_id", "branch_id", "amount", "interest_on",
           "issue_date", "maturity_date", "guarantee", "classification", "rate", "account_manager"]


def _plain(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    return str(value) if not isinstance(value, (int, str)) else value


class LoansImporter(Importer):
    """Registers loans and borrowers, records the snapshot, and logs every change in the history."""

    kind = "loans"
    key_fields = ("loan_no",)
    columns = [
        Column("loan_no", "借据号", ("借据编号", "贷款账号"), True),
        Column("borrower_name", "借款人", ("客户名称", "借款人姓名", "姓名"), True),
        Column("id_number", "身份证号", ("证件号码", "身份证号码", "公民身份号码"), True),
        Column("township", "乡镇", ("所属乡镇",), True),
        Column("branch", "网点", ("机构名称", "经办网点", "经办机构"), True),
        Column("amount", "贷款金额", ("发放金额", "借款金额", "合同金额"), True),
        Column("balance", "贷款余额", ("本金余额", "余额"), True),
        Column("issue_date", "发放日期", ("放款日期", "借款日期"), True),
        Column("maturity_date", "到期日期", ("到期日",), True),
        Column("guarantee", "担保方式", ("担保类型",), True),
        Column("contract_no", "合同号", ("借款合同号",)),
        Column("phone", "联系电话", ("手机号",)),
        Column("community", "村(社区)", ("社区", "村")),
        Column("interest", "欠息", ("欠息金额", "应收未收利息")),
        Column("classification", "五级分类"),
        Column("rate", "执行利率", ("年利率",)),
        Column("account_manager", "客户经理", ("管户客户经理",)),
    ]

    def __init__(self, ctx):
        super().__init__(ctx)
        self.townships = {t.name: t for t in Township.objects.all()}
        self.branches = {b.name: b for b in Branch.objects.all()}
        self.communities = {(c.township_id, c.name): c for c in Community.objects.all()}
        self.linked = set(Branch.townships.through.objects.values_list("branch_id", "township_id"))
        # Loans with any repayment: only those need "repaid after the snapshot" (one query per import).
        self.repaid_loans = set(Repayment.objects.values_list("loan_id", flat=True).distinct())
        user = ctx.user
        self.only_branch = user.branch_id if user is not None and getattr(user, "role", "") == "branch_staff" else None

    def parse(self, raw):
        loan_no = n.key_text(raw["loan_no"])
        if not loan_no:
            raise RowError(Reason.MISSING_FIELD, "缺少借据号")
        borrower_name = n.name(raw["borrower_name"])
        id_number = n.id_number(raw["id_number"])
        township, branch = n.text(raw["township"]), n.text(raw["branch"])
        amount = n.amount(raw["amount"], "贷款金额")
        balance = n.amount(raw["balance"], "贷款余额")
        issue = n.date(raw["issue_date"], "发放日期")
        maturity = n.date(raw["maturity_date"], "到期日期")
        if maturity < issue:
            raise RowError(Reason.INVALID_DATE, f"到期日期 {maturity} 早于发放日期 {issue}")
        guarantee = n.text(raw["guarantee"])
        interest = n.amount(raw.get("interest"), "欠息") if not n.is_blank(raw.get("interest")) else Decimal("0.00")
        classification = n.choice(raw.get("classification"), "五级分类", CLASSIFICATION_ALIASES, required=False) or ""
        return {
            "loan_no": loan_no,
            "contract_no": n.key_text(raw.get("contract_no")),
            "borrower_name": borrower_name,
            "id_number": id_number,
            "phone": n.phone(raw.get("phone")),
            "township": township,
            "community": n.text(raw.get("community")),
            "branch": branch,
            "amount": amount,
            "balance": balance,
            "interest": interest,
            "issue_date": issue,
            "maturity_date": maturity,
            "guarantee": guarantee,
            "classification": str(classification),
            "rate": n.rate(raw.get("rate")),
            "account_manager": n.name(raw.get("account_manager")),
        }

    def validate(self, rows):
        bad = []
        for row in rows:
            v = row.values
            missing = [label for label, name, known in (("乡镇", v["township"], self.townships), ("网点", v["branch"], self.branches))
                       if name not in known]
            if missing and not self.ctx.create_units:
                names = "、".join(f"{label}“{v['township'] if label == '乡镇' else v['branch']}”" for label in missing)
                bad.append((row, RowError(Reason.UNKNOWN_UNIT, f"{names}不存在（可用 --create-units 新建，或先在系统中登记）")))
            elif self.only_branch is not None and self.branches.get(v["branch"]) is not None and self.branches[v["branch"]].pk != self.only_branch:
                bad.append((row, RowError(Reason.INVALID_VALUE, f"网点“{v['branch']}”不是您所在的网点，不能导入其贷款")))
            elif self.only_branch is not None and v["branch"] not in self.branches:
                bad.append((row, RowError(Reason.UNKNOWN_UNIT, f"网点“{v['branch']}”不存在")))
        return bad

    # -- writing --------------------------------------------------------------------------------------
    def _units(self, v):
        town = self.townships.get(v["township"])
        if town is None:
            town = Township.objects.create(district=District.current(), name=v["township"])
            self.townships[town.name] = town
        branch = self.branches.get(v["branch"])
        if branch is None:
            branch = Branch.objects.create(bank=Bank.current(), name=v["branch"])
            self.branches[branch.name] = branch
        if (branch.pk, town.pk) not in self.linked:
            branch.townships.add(town)
            self.linked.add((branch.pk, town.pk))
        community = None
        if v["community"]:
            community = self.communities.get((town.pk, v["community"]))
            if community is None:
                community = Community.objects.create(township=town, name=v["community"])
                self.communities[(town.pk, community.name)] = community
        return town, branch, community

    def _borrowers(self, rows):
        """Find or create the borrowers of a chunk in two queries; warn on a name that differs."""
        by_hash = {}
        for row in rows:
            h = crypto.keyed_hash(row.values["id_number"])
            row.ref = {"hash": h}
            by_hash.setdefault(h, row)
        existing = {b.id_hash: b for b in Borrower.objects.filter(id_hash__in=list(by_hash))}
        new = []
        for h, row in by_hash.items():
            if h not in existing:
                b = Borrower()
                b.set_id_number(row.values["id_number"])
                b.set_name(row.values["borrower_name"])
                if row.values["phone"]:
                    b.set_phone(row.values["phone"])
                new.append(b)
        if new:
            insert_objects(new)
            ids = dict(Borrower.objects.filter(id_hash__in=[b.id_hash for b in new]).values_list("id_hash", "pk"))
            for b in new:
                b.pk = ids[b.id_hash]
                existing[b.id_hash] = b
        phone_changed = []
        for row in rows:
            b = existing[row.ref["hash"]]
            row.ref["borrower"] = b
            if b.name != row.values["borrower_name"]:
                self.ctx.warn(row, f"身份证号相同但姓名不同：本行为“{row.values['borrower_name']}”，系统中为“{b.name}”（已按身份证号匹配，姓名未改）")
            phone = row.values["phone"]
            if phone and b.phone_masked and b not in phone_changed and b.reveal_phone() != phone:
                b.set_phone(phone)
                phone_changed.append(b)
            elif phone and not b.phone_masked:
                b.set_phone(phone)
                phone_changed.append(b)
        if phone_changed:
            Borrower.objects.bulk_update(phone_changed, ["phone_cipher", "phone_masked"])

    def write(self, rows):
        ctx = self.ctx
        as_of = ctx.as_of
        self._borrowers(rows)
        loans = {x.loan_no: x for x in Loan.objects.filter(loan_no__in=[r.key for r in rows])}
        snaps = {s.loan_id: s for s in LoanSnapshot.objects.filter(loan__in=list(loans.values()), as_of=as_of)}
        with_repayments = [x.pk for x in loans.values() if x.pk in self.repaid_loans]
        repaid_after = principal_repaid_after(with_repayments, as_of) if with_repayments else {}
        new_loans, updates, new_snaps, changed_snaps, events = [], [], [], [], []
        update_fields = set()
        for row in rows:
            v = row.values
            town, branch, community = self._units(v)
            target = {
                "contract_no": v["contract_no"],
                "borrower_id": row.ref["borrower"].pk,
                "township_id": town.pk,
                "community_id": community.pk if community else None,
                "branch_id": branch.pk,
                "amount": v["amount"],
                "interest_on": v["interest"],
                "issue_date": v["issue_date"],
                "maturity_date": v["maturity_date"],
                "guarantee": v["guarantee"],
                "classification": v["classification"],
                "rate": v["rate"],
                "account_manager": v["account_manager"],
            }
            loan = loans.get(v["loan_no"])
            if loan is None:
                loan = Loan(loan_no=v["loan_no"], principal_balance=v["balance"], snapshot_date=as_of,
                            has_mortgage="抵押" in v["guarantee"], **target)
                new_loans.append(loan)
                row.outcome = "created"
                continue
            changes = {f: (getattr(loan, f), val) for f, val in target.items() if getattr(loan, f) != val}
            snap = snaps.get(loan.pk)
            snap_changed = False
            if snap is None:
                new_snaps.append(LoanSnapshot(loan=loan, as_of=as_of, principal_balance=v["balance"], interest_on=v["interest"], batch=ctx.batch))
                events.append(LoanEvent(loan=loan, kind=EventKind.SNAPSHOT, field="principal_balance", after=str(v["balance"]),
                                        occurred_on=as_of, batch=ctx.batch, actor=ctx.user, note=f"银行{as_of}余额快照"))
                snap_changed = True
            elif snap.principal_balance != v["balance"] or snap.interest_on != v["interest"]:
                events.append(LoanEvent(loan=loan, kind=EventKind.SNAPSHOT, field="principal_balance", before=str(snap.principal_balance),
                                        after=str(v["balance"]), occurred_on=as_of, batch=ctx.batch, actor=ctx.user,
                                        note=f"银行{as_of}余额快照更正"))
                snap.principal_balance, snap.interest_on, snap.batch = v["balance"], v["interest"], ctx.batch
                changed_snaps.append(snap)
                snap_changed = True
            if as_of >= loan.snapshot_date:
                current = max(v["balance"] - repaid_after.get(loan.pk, Decimal("0")), Decimal("0.00"))
                if current != loan.principal_balance:
                    changes["principal_balance"] = (loan.principal_balance, current)
                if as_of != loan.snapshot_date:
                    loan.snapshot_date = as_of
                    update_fields.add("snapshot_date")
                for f, (old, new) in changes.items():
                    setattr(loan, f, new)
                    update_fields.add(f)
                    events.append(LoanEvent(loan=loan, kind=EventKind.FIELD_CHANGED, field=f, before=_plain(old), after=_plain(new),
                                            occurred_on=as_of, batch=ctx.batch, actor=ctx.user))
                if "guarantee" in changes:
                    loan.has_mortgage = "抵押" in loan.guarantee
                    update_fields.add("has_mortgage")
            else:
                changes = {}
            if changes or snap_changed:
                row.outcome = "updated"
                loan.version += 1
                update_fields.add("version")
                updates.append(loan)
            else:
                row.outcome = "unchanged"
        if new_loans:
            insert_objects(new_loans)
            ids = dict(Loan.objects.filter(loan_no__in=[x.loan_no for x in new_loans]).values_list("loan_no", "pk"))
            for x in new_loans:
                x.pk = ids[x.loan_no]
            for loan in new_loans:
                new_snaps.append(LoanSnapshot(loan=loan, as_of=as_of, principal_balance=loan.principal_balance,
                                              interest_on=loan.interest_on, batch=ctx.batch))
                events.append(LoanEvent(loan=loan, kind=EventKind.CREATED, after={"principal_balance": str(loan.principal_balance)},
                                        occurred_on=as_of, batch=ctx.batch, actor=ctx.user, note=f"导入银行不良贷款清单（{as_of}）"))
        if updates:
            Loan.objects.bulk_update(updates, sorted(update_fields))
        if new_snaps:
            insert_objects(new_snaps)
        if changed_snaps:
            LoanSnapshot.objects.bulk_update(changed_snaps, ["principal_balance", "interest_on", "batch"])
        if events:
            insert_objects(events)
