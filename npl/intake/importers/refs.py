"""Shared by the kinds that refer to known loans (repayments, litigation, loan lists, the ledger)."""
from typing import NamedTuple

from npl.intake.choices import Reason
from npl.intake.normalize import RowError
from npl.loans.models import Loan


class LoanRef(NamedTuple):
    """A known loan as a row of a referring file reaches it: its id and its borrower's name."""

    pk: int
    borrower_name: str


class LoanRefMixin:
    """validate(): an unknown loan number, or one outside the importing user's scope, is refused."""

    def loan_queryset(self):
        user = self.ctx.user
        if user is None or getattr(user, "is_superuser", False):
            return Loan.objects.all()
        if getattr(user, "is_district_wide", False) or getattr(user, "role", "") == "court_liaison":
            # The whole of their own district (the tenant), never another district's loans.
            return Loan.objects.filter(township__district_id=user.district_id)
        return Loan.objects.for_user(user)

    def validate(self, rows):
        nos = {r.values["loan_no"] for r in rows}
        # Only what the importers read of a known loan, its id and its borrower's name, as tuples: two model
        # instances per row (the loan and its borrower) were most of this query's time in the demo's 360,000 rows
        # of repayments and ledger.
        known = {no: LoanRef(pk, name) for no, pk, name in self.loan_queryset().filter(loan_no__texts=list(nos))
                 .values_list("loan_no", "pk", "borrower__name")}
        outside = self._outside_scope(nos - set(known))
        bad = []
        for row in rows:
            loan = known.get(row.values["loan_no"])
            if loan is None and row.values["loan_no"] in outside:
                bad.append((row, RowError(Reason.OUT_OF_SCOPE, outside[row.values["loan_no"]])))
            elif loan is None:
                bad.append((row, RowError(Reason.UNKNOWN_LOAN, f"借据号“{row.values['loan_no']}”在系统中不存在（请先导入银行不良贷款清单）")))
            else:
                row.ref = loan
        bad.extend(self.validate_more([r for r in rows if r.ref is not None]))
        return bad

    def _outside_scope(self, loan_nos: set) -> dict:
        """Loan numbers that exist outside the uploader's scope → the refusal that says whose they are."""
        if not loan_nos or self.ctx.user is None:
            return {}
        others = Loan.objects.all()
        if not self.ctx.user.is_superuser and not getattr(self.ctx.user, "is_region_wide", False):
            # Another district's loan is unknown here, like one that does not exist: its units are not named.
            others = others.filter(township__district_id=self.ctx.user.district_id)
        return {
            loan_no: out_of_scope_message(self.ctx.user, town, branch)
            for loan_no, town, branch in others.filter(loan_no__in=loan_nos).values_list("loan_no", "township__name", "branch__name")
        }

    def validate_more(self, rows):
        return []

    def check_borrower_name(self, row, given: str) -> None:
        if given and row.ref.borrower_name != given:
            self.ctx.warn(row, f"借款人姓名“{given}”与系统中的“{row.ref.borrower_name}”不一致（已按借据号匹配）")


def out_of_scope_message(user, township: str, branch: str) -> str:
    """What a unit-bound uploader reads for a loan that exists but is another township's or branch's."""
    if getattr(user, "township_id", None):
        return f"该借据属于其他乡镇（{township}），不在您的范围内，请由该乡镇导入"
    if getattr(user, "branch_id", None):
        return f"该借据属于其他网点（{branch}），不在您的范围内，请由该网点导入"
    return "该借据不在您的范围内"
