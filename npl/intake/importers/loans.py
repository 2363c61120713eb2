"""`npl import loans`: the bank's NPL list, a snapshot of its as-of day."""
import functools
import hashlib
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection

from npl.collection.models import Repayment
from npl.core import crypto
from npl.core.bulk import IN_CHUNK, insert_dicts, update_objects, values_by
from npl.core.idnumber import mask
from npl.core.masking import mask_phone
from npl.intake import normalize as n
from npl.intake.changes import event_amount
from npl.intake.choices import Reason
from npl.intake.headers import Column
from npl.intake.importers.base import Importer
from npl.intake.normalize import RowError
from npl.intake.readers import UnusableFile
from npl.loans.choices import CLASSIFICATION_ALIASES, Classification, EventKind
from npl.loans.models import Borrower, Loan, LoanEvent, LoanSnapshot
from npl.loans.services import principal_repaid_after
from npl.org.models import Bank, Branch, Community, District, Township, district_names

# Fields of Loan an import may change, with how to show them in the history.
TRACKED = ["contract_no", "borrower_id", "township_id", "community_id", "branch_id", "amount", "interest_on",
           "issue_date", "maturity_date", "guarantee", "classification", "rate", "account_manager"]
# What write() reads of a known loan: enough to compare it with the file and to write its changed row.
LOADED = ["id", "loan_no", *TRACKED, "principal_balance", "snapshot_date", "version", "has_mortgage"]


# Loan fields that hold amounts: their history values are 2-place strings (issue 13 point 7).
MONEY = {"amount", "interest_on", "principal_balance"}
# How a change of each Loan field is named in the report's `changes` (the file's field name, its column).
CHANGE_NAMES = {
    "principal_balance": ("balance", "贷款余额"), "amount": ("amount", "贷款金额"), "interest_on": ("interest", "欠息"),
    "township_id": ("township", "乡镇"), "branch_id": ("branch", "网点"), "community_id": ("community", "村(社区)"),
    "borrower_id": ("borrower", "借款人"), "contract_no": ("contract_no", "合同号"), "issue_date": ("issue_date", "发放日期"),
    "maturity_date": ("maturity_date", "到期日期"), "guarantee": ("guarantee", "担保方式"),
    "classification": ("classification", "五级分类"), "rate": ("rate", "执行利率"), "account_manager": ("account_manager", "客户经理"),
}


def _plain(value, field: str = ""):
    """A value as a LoanEvent payload holds it; amounts as 2-place strings, never the database's 9 decimals."""
    if value is None:
        return None
    if field in MONEY:
        return event_amount(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value) if not isinstance(value, (int, str)) else value


# Borrower columns its setters fill (set_id_number, set_name, set_phone); the rest take their defaults.
BORROWER_SET = ("id_cipher", "id_hash", "id_masked", "id_last4", "gender", "birth_date", "name", "pinyin_initials",
                "pinyin_full", "phone_cipher", "phone_masked")


def _row_of(known: dict) -> SimpleNamespace:
    """A changed loan for update_objects: its loaded columns as attributes, `pk` its id."""
    return SimpleNamespace(pk=known["id"], **known)


@functools.cache
def _state_sql(n: int) -> str:
    """The state row_states hashes, for n loan numbers."""
    q = connection.ops.quote_name
    # Every column as text: the digest needs no Python value of them (no date or decimal converted per cell).
    cols = [f"l.{q(Loan._meta.get_field(f.removesuffix('_id')).column)}" for f in LOADED]
    cols += ["b.name", "b.phone_cipher", "b.phone_masked", "t.name", "br.name", "c.name", "s.principal_balance", "s.interest_on"]
    return f"""
        SELECT l.id, l.loan_no, l.branch_id, l.township_id, {", ".join(f"CAST({c} AS TEXT)" for c in cols)}
        FROM {Loan._meta.db_table} l
        JOIN {Borrower._meta.db_table} b ON b.id = l.borrower_id
        JOIN {Township._meta.db_table} t ON t.id = l.township_id
        JOIN {Branch._meta.db_table} br ON br.id = l.branch_id
        LEFT JOIN {Community._meta.db_table} c ON c.id = l.community_id
        LEFT JOIN {LoanSnapshot._meta.db_table} s ON s.loan_id = l.id AND s.as_of = %s
        WHERE l.loan_no IN ({", ".join(["%s"] * n)})"""


class _Known:
    """A borrower as a chunk needs it: id, name, masked phone, and the phone decrypted at most once."""

    __slots__ = ("pk", "name", "phone_cipher", "phone_masked", "_phone")

    def __init__(self, pk, name, phone_cipher, phone_masked, phone=None):
        self.pk, self.name, self.phone_cipher, self.phone_masked = pk, name, phone_cipher, phone_masked
        self._phone = phone or None

    def phone(self) -> str:
        if self._phone is None:
            self._phone = crypto.decrypt(self.phone_cipher)
        return self._phone


class LoansImporter(Importer):
    """Registers loans and borrowers, records the snapshot, and logs every change in the history."""

    kind = "loans"
    key_fields = ("loan_no",)
    # No bank loan here is below 1,000 元 or 1亿元: a list whose 贷款金额 mostly are is in the other unit.
    amount_bounds = {"amount": (1000, 100_000_000)}
    stored_in = {
        "loan_no": (Loan, "loan_no"), "contract_no": (Loan, "contract_no"), "borrower_name": (Borrower, "name"),
        "phone": (Borrower, "phone_masked"), "township": (Township, "name"), "community": (Community, "name"),
        "branch": (Branch, "name"), "guarantee": (Loan, "guarantee"), "account_manager": (Loan, "account_manager"),
    }
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
        # Issue 18: with several districts a bank file is for one named district (`--district`, or the uploader's own):
        # its townships and branches are matched by name within that district, and created there.
        self.district = ctx.district or District.single()
        if self.district is None:
            raise UnusableFile(f"本系统有多个区（{district_names()}）：请指定贷款台账所属的区（命令行 --district 区名），"
                               "乡镇、网点只在该区内按名称匹配")
        towns = Township.objects.filter(district=self.district)
        self.townships = {t.name: t for t in towns}
        self.several = District.objects.count() > 1
        # One district: every branch is its own (an older branch may not name its district yet).
        branches = Branch.objects.filter(district=self.district) if self.several else Branch.objects.all()
        self.branches = {b.name: b for b in branches}
        self.communities = {(c.township_id, c.name): c for c in Community.objects.filter(township__in=towns)}
        self.linked = set(Branch.townships.through.objects.values_list("branch_id", "township_id"))
        # Loans with any repayment: only those need "repaid after the snapshot" (one query per import).
        self.repaid_loans = set(Repayment.objects.values_list("loan_id", flat=True).distinct())
        user = ctx.user
        self.only_branch = user.branch_id if user is not None and getattr(user, "role", "") == "branch_staff" else None

    # -- unchanged rows (issue 16 point 4) ------------------------------------------------------------
    skips_unchanged = True

    def digest_context(self):
        return (self.only_branch,)

    def row_states(self, keys):
        """{loan_no: digest} of everything write() compares a row with: the loan's loaded columns, its
        borrower's name and phone, its units' names and their link, its snapshot of the as-of day and the
        principal repaid after it. Equal digests before and after a write mean the same row finds nothing to do."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        as_of = connection.ops.adapt_datefield_value(self.ctx.as_of)
        rows = []
        with connection.cursor() as cur:
            for start in range(0, len(keys), IN_CHUNK):
                part = keys[start : start + IN_CHUNK]
                cur.execute(_state_sql(len(part)), [as_of, *part])
                rows.extend(cur.fetchall())
        # id, loan_no, branch_id, township_id, then the compared columns as text. The principal repaid after the
        # as-of day (only loans with a repayment can have any) and whether the loan's branch serves its township
        # are read from what the importer holds, not per row in SQL.
        repaid = [row[0] for row in rows if row[0] in self.repaid_loans]
        repaid_after = principal_repaid_after(repaid, self.ctx.as_of) if repaid else {}
        linked = self.linked
        return {
            row[1]: hashlib.blake2b(repr((row, repaid_after.get(row[0]), (row[2], row[3]) in linked)).encode(), digest_size=16).hexdigest()
            for row in rows
        }

    def parse(self, raw):
        loan_no = n.key_text(raw["loan_no"], "借据号")
        if not loan_no:
            raise RowError(Reason.MISSING_FIELD, "缺少借据号")
        borrower_name = n.name(raw["borrower_name"])
        id_number = n.id_number(raw["id_number"])
        township, branch = n.text(raw["township"]), n.text(raw["branch"])
        amount = n.amount(raw["amount"], "贷款金额", required=True)
        balance = n.amount(raw["balance"], "贷款余额", required=True)
        issue = n.date(raw["issue_date"], "发放日期")
        maturity = n.date(raw["maturity_date"], "到期日期")
        if maturity < issue:
            raise RowError(Reason.INVALID_DATE, f"到期日期 {maturity} 早于发放日期 {issue}")
        guarantee = n.text(raw["guarantee"])
        # An empty 欠息 (or "-") is none owed: the loan's interest_on is never NULL.
        interest = n.amount(raw.get("interest"), "欠息") or Decimal("0.00")
        classification = n.choice(raw.get("classification"), "五级分类", CLASSIFICATION_ALIASES, required=False) or ""
        return {
            "loan_no": loan_no,
            "contract_no": n.key_text(raw.get("contract_no"), "合同号"),
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
        # Loan numbers are unique across the installation: one held by another district is not this file's to change.
        elsewhere = set(Loan.objects.filter(loan_no__in=[r.key for r in rows]).exclude(township__district=self.district)
                        .values_list("loan_no", flat=True)) if self.several else set()
        for row in rows:
            v = row.values
            missing = [label for label, name, known in (("乡镇", v["township"], self.townships), ("网点", v["branch"], self.branches))
                       if name not in known]
            if row.key in elsewhere:
                bad.append((row, RowError(Reason.OUT_OF_SCOPE, f"借据号已属于其他区的贷款，不能导入{self.district.name}")))
            elif v["branch"] not in self.branches and v["branch"] in self._branches_elsewhere:
                bad.append((row, RowError(Reason.UNKNOWN_UNIT, f"网点“{v['branch']}”是{self._district_bank.name}在其他区的网点，"
                                          f"不能在{self.district.name}新建同名网点：请先为本区登记其网点")))
            elif missing and not self.ctx.create_units:
                names = "、".join(f"{label}“{v['township'] if label == '乡镇' else v['branch']}”" for label in missing)
                bad.append((row, RowError(Reason.UNKNOWN_UNIT, f"{names}不存在（可在导入时选择“新建不存在的乡镇和网点”或用 --create-units 新建，或先在系统中登记）")))
            elif self.only_branch is not None and self.branches.get(v["branch"]) is not None and self.branches[v["branch"]].pk != self.only_branch:
                bad.append((row, RowError(Reason.OUT_OF_SCOPE, f"该借据属于其他网点（{v['branch']}），不在您的范围内，不能导入其贷款")))
            elif self.only_branch is not None and v["branch"] not in self.branches:
                bad.append((row, RowError(Reason.UNKNOWN_UNIT, f"网点“{v['branch']}”不存在")))
        return bad

    # -- writing --------------------------------------------------------------------------------------
    def _units(self, v):
        town = self.townships.get(v["township"])
        if town is None:
            town = Township.objects.create(district=self.district, name=v["township"])
            self.townships[town.name] = town
        branch = self.branches.get(v["branch"])
        if branch is None:
            branch = Branch.objects.create(bank=self._district_bank, name=v["branch"], district=self.district)
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

    @functools.cached_property
    def _branches_elsewhere(self) -> set:
        """Names of the district bank's branches in other districts: a new branch may not take one (unique per bank)."""
        if not self.several:
            return set()
        return set(Branch.objects.filter(bank=self._district_bank).exclude(district=self.district).values_list("name", flat=True))

    @functools.cached_property
    def _district_bank(self):
        """The bank of the district's branches (each district's rural bank is its own legal entity), else the first."""
        first = Branch.objects.filter(district=self.district).select_related("bank").first()
        return first.bank if first is not None else Bank.current()

    def _borrowers(self, rows):
        """Find or create the borrowers of a chunk in two queries; warn on a name that differs.

        Existing borrowers are read as plain values (not model instances), each ID is hashed once per
        chunk, and a phone is decrypted once per borrower to compare it with the file's.
        """
        hashes = {}
        by_hash = {}
        for row in rows:
            number = row.values["id_number"]
            h = hashes.get(number)
            if h is None:
                h = hashes[number] = crypto.keyed_hash(number)
            row.ref = {"hash": h}
            by_hash.setdefault(h, row)
        existing = {
            h: _Known(pk, name, cipher, masked)
            for h, (pk, name, cipher, masked) in values_by(
                Borrower, "id_hash", list(by_hash), "id", "name", "phone_cipher", "phone_masked"
            ).items()
        }
        new = []
        for h, row in by_hash.items():
            if h not in existing:
                # Borrower's own setters (cipher, hash, mask, pinyin) on a bare instance: the same
                # columns as Borrower(), without the cost of Model.__init__ per borrower.
                b = Borrower.__new__(Borrower)
                b.set_id_number(row.values["id_number"])
                b.set_name(row.values["borrower_name"])
                b.phone_cipher = b.phone_masked = ""
                if row.values["phone"]:
                    b.set_phone(row.values["phone"])
                new.append({f: getattr(b, f) for f in BORROWER_SET})
        if new:
            insert_dicts(Borrower, new)
            ids = values_by(Borrower, "id_hash", [b["id_hash"] for b in new], "id")
            for b in new:
                plain = by_hash[b["id_hash"]].values["phone"] if b["phone_masked"] else ""
                existing[b["id_hash"]] = _Known(ids[b["id_hash"]], b["name"], b["phone_cipher"], b["phone_masked"], plain)
        phone_changed = {}
        for row in rows:
            b = existing[row.ref["hash"]]
            row.ref["borrower"] = b
            if b.name != row.values["borrower_name"]:
                self.ctx.warn(row, f"身份证号相同但姓名不同：本行为“{row.values['borrower_name']}”，系统中为“{b.name}”（已按身份证号匹配，姓名未改）")
            phone = row.values["phone"]
            if phone and b.phone_masked and b.pk not in phone_changed and b.phone() != phone:
                phone_changed[b.pk] = phone
            elif phone and not b.phone_masked:
                phone_changed[b.pk] = phone
                b.phone_masked = mask_phone(phone)
        if phone_changed:
            changed = []
            for pk, phone in phone_changed.items():
                b = Borrower(pk=pk)
                b.set_phone(phone)
                changed.append(b)
            update_objects(Borrower, changed, ["phone_cipher", "phone_masked"])

    def _record_changes(self, row, changes: dict) -> None:
        """The report's `changes` for one known loan: the balance first, then the fields in TRACKED order."""
        for f in sorted(changes, key=lambda f: f != "principal_balance"):
            old, new = changes[f]
            name, label = CHANGE_NAMES[f]
            shown_old, shown_new = self._shown(f, old, row), self._shown(f, new, row)
            if f == "community_id" and shown_old == shown_new:
                # A loan moving township keeps a village of the same name, which is another village: name its town.
                shown_old, shown_new = self._community_in_town(old), self._community_in_town(new)
            self.record_change(row, name, label, shown_old, shown_new)

    def _community_in_town(self, pk):
        """A village as 乡镇 村 (柳溪镇槐树村), for two villages of one name in different townships."""
        community = next((c for c in self.communities.values() if c.pk == pk), None) or Community.objects.filter(pk=pk).first()
        if community is None:
            return pk
        town = next((t.name for t in self.townships.values() if t.pk == community.township_id), None)
        return f"{town or community.township.name}{community.name}"

    def _shown(self, f: str, value, row):
        """A Loan column's value as a person reads it: units and borrowers by name, the classification by label."""
        if value is None or f in MONEY or f in ("issue_date", "maturity_date", "rate"):
            return value
        if f == "township_id":
            return next((t.name for t in self.townships.values() if t.pk == value), value)
        if f == "branch_id":
            return next((b.name for b in self.branches.values() if b.pk == value), value)
        if f == "community_id":
            return next((c.name for c in self.communities.values() if c.pk == value), value)
        if f == "borrower_id":
            if value == row.ref["borrower"].pk:
                return f"{row.values['borrower_name']}（{mask(row.values['id_number'])}）"
            name, masked = Borrower.objects.filter(pk=value).values_list("name", "id_masked").first() or ("", "")
            return f"{name}（{masked}）"
        if f == "classification":
            return Classification(value).label if value in Classification.values else value
        return value

    def write(self, rows):
        ctx = self.ctx
        as_of = ctx.as_of
        batch_id = ctx.batch.pk if ctx.batch is not None else None
        actor_id = ctx.user.pk if ctx.user is not None else None
        self._borrowers(rows)
        # Known loans and their snapshot of the day as plain values: a Loan instance is made only for
        # a loan that changes, not for each of a re-import's unchanged rows.
        loans = {
            values[1]: dict(zip(LOADED, values))
            for values in Loan.objects.filter(loan_no__in=[r.key for r in rows]).values_list(*LOADED)
        }
        snaps = {
            loan_id: (snap_id, balance, interest)
            for loan_id, snap_id, balance, interest in LoanSnapshot.objects.filter(
                loan_id__in=[x["id"] for x in loans.values()], as_of=as_of
            ).values_list("loan_id", "id", "principal_balance", "interest_on")
        }
        with_repayments = [x["id"] for x in loans.values() if x["id"] in self.repaid_loans]
        repaid_after = principal_repaid_after(with_repayments, as_of) if with_repayments else {}
        new_loans, updates, new_snaps, changed_snaps, events = [], [], [], [], []
        update_fields = set()

        def event(loan_id, kind, **more):
            return {"loan_id": loan_id, "kind": kind, "occurred_on": as_of, "batch_id": batch_id, "actor_id": actor_id, **more}

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
            known = loans.get(v["loan_no"])
            if known is None:
                new_loans.append({"loan_no": v["loan_no"], "principal_balance": v["balance"], "snapshot_date": as_of,
                                  "has_mortgage": "抵押" in v["guarantee"], **target})
                row.outcome = "created"
                continue
            loan_id = known["id"]
            changes = {f: (known[f], val) for f, val in target.items() if known[f] != val}
            snap = snaps.get(loan_id)
            snap_changed = False
            if snap is None:
                new_snaps.append({"loan_id": loan_id, "as_of": as_of, "principal_balance": v["balance"], "interest_on": v["interest"],
                                  "batch_id": batch_id})
                events.append(event(loan_id, EventKind.SNAPSHOT, field="principal_balance", after=str(v["balance"]),
                                    note=f"银行{as_of}余额快照"))
                snap_changed = True
            elif snap[1] != v["balance"] or snap[2] != v["interest"]:
                events.append(event(loan_id, EventKind.SNAPSHOT, field="principal_balance", before=str(snap[1]),
                                    after=str(v["balance"]), note=f"银行{as_of}余额快照更正"))
                changed_snaps.append(LoanSnapshot(id=snap[0], loan_id=loan_id, as_of=as_of, principal_balance=v["balance"],
                                                  interest_on=v["interest"], batch=ctx.batch))
                snap_changed = True
            loan = None
            if as_of >= known["snapshot_date"]:
                current = max(v["balance"] - repaid_after.get(loan_id, Decimal("0")), Decimal("0.00")).quantize(Decimal("0.01"))
                if current != known["principal_balance"]:
                    changes["principal_balance"] = (known["principal_balance"], current)
                if as_of != known["snapshot_date"]:
                    loan = _row_of(known)
                    loan.snapshot_date = as_of
                    update_fields.add("snapshot_date")
                if changes:
                    loan = loan or _row_of(known)
                self._record_changes(row, changes)
                for f, (old, new) in changes.items():
                    setattr(loan, f, new)
                    update_fields.add(f)
                    events.append(event(loan_id, EventKind.FIELD_CHANGED, field=f, before=_plain(old, f), after=_plain(new, f)))
                if "guarantee" in changes:
                    loan.has_mortgage = "抵押" in loan.guarantee
                    update_fields.add("has_mortgage")
            else:
                changes = {}
            if changes or snap_changed:
                row.outcome = "updated"
                loan = loan or _row_of(known)
                loan.version += 1
                update_fields.add("version")
                updates.append(loan)
            else:
                row.outcome = "unchanged"
        if new_loans:
            insert_dicts(Loan, new_loans)
            ids = values_by(Loan, "loan_no", [x["loan_no"] for x in new_loans], "id")
            for x in new_loans:
                loan_id = ids[x["loan_no"]]
                new_snaps.append({"loan_id": loan_id, "as_of": as_of, "principal_balance": x["principal_balance"],
                                  "interest_on": x["interest_on"], "batch_id": batch_id})
                events.append(event(loan_id, EventKind.CREATED, after={"principal_balance": str(x["principal_balance"])},
                                    note=f"导入银行不良贷款清单（{as_of}）"))
        if updates:
            update_objects(Loan, updates, sorted(update_fields))
        if new_snaps:
            insert_dicts(LoanSnapshot, new_snaps)
        if changed_snaps:
            update_objects(LoanSnapshot, changed_snaps, ["principal_balance", "interest_on", "batch"])
        if events:
            insert_dicts(LoanEvent, events)
