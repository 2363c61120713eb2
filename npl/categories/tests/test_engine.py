"""Category membership on a day: rosters, lists, litigation, large mortgage, manual decisions."""
import datetime as dt

from npl.categories.engine import loan_categories, loan_ids_in
from npl.loans.models import Loan

DAY = dt.date(2026, 4, 1)


def _nos(qs):
    return set(Loan.objects.filter(pk__in=qs).values_list("loan_no", flat=True))


def test_fixture_loans_land_in_their_categories(loans):
    assert _nos(loan_ids_in("lost_contact", DAY)) == {"LA003"}
    assert _nos(loan_ids_in("public_servant", DAY)) == {"LB001"}
    assert _nos(loan_ids_in("litigation", DAY)) == {"LA002"}
    assert _nos(loan_ids_in("bank_sued_borrower", DAY)) == {"LA002"}
    assert _nos(loan_ids_in("borrower_sued_bank", DAY)) == set()
    assert loan_categories(loans["LA002"], DAY) == [("litigation", "涉诉贷款"), ("bank_sued_borrower", "银行起诉本人")]
