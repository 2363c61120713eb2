"""Shared by the kinds that refer to known loans (repayments, litigation, loan lists, the ledger)."""
from npl.intake.choices import Reason
from npl.intake.normalize import RowError
from npl.loans.models import Loan


class LoanRefMixin:
    """validate(): an unknown loan number, or one outside the importing user's scope, is refused."""

    def loan_queryset(self):
        user = self.ctx.user
        if user is None or getattr(user, "is_district_wide", False) or getattr(user, "role", "") == "court_liaison":
            return Loan.objects.all()
        return Loan.objects.for_user(user)

    def validate(self, rows):
        nos = {r.values["loan_no"] for r in rows}
        known = {x.loan_no: x for x in self.loan_queryset().filter(loan_no__in=nos).select_related("borrower")}
        bad = []
        for row in rows:
            loan = known.get(row.values["loan_no"])
            if loan is None:
                bad.append((row, RowError(Reason.UNKNOWN_LOAN, f"借据号“{row.values['loan_no']}”在系统中不存在（请先导入银行不良贷款清单）")))
            else:
                row.ref = loan
        bad.extend(self.validate_more([r for r in rows if r.ref is not None]))
        return bad

    def validate_more(self, rows):
        return []

    def check_borrower_name(self, row, given: str) -> None:
        if given and row.ref.borrower.name != given:
            self.ctx.warn(row, f"借款人姓名“{given}”与系统中的“{row.ref.borrower.name}”不一致（已按借据号匹配）")
