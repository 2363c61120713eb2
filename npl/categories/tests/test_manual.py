"""Manual category decisions and the threshold setting: requested, decided, dated."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from npl import testing
from npl.accounts.choices import Role
from npl.categories.engine import loan_categories
from npl.categories.models import ManualMembership
from npl.categories.services import decide_membership, end_membership, request_membership, set_threshold, threshold_on
from npl.categories.tests.conftest import on_roster
from npl.loans.models import LoanEvent

APPROVED_ON = dt.date(2026, 5, 1)


@pytest.fixture
def admins(town):
    return (
        testing.user("town_admin", Role.TOWNSHIP_ADMIN, town=town),
        testing.user("qu_admin", Role.DISTRICT_ADMIN),
    )


def codes(loan, day):
    return [c for c, _ in loan_categories(loan, day)]


def test_an_approved_manual_addition_holds_from_its_approval_day(make_loan, admins):
    town_admin, qu_admin = admins
    loan = make_loan("L1", "1000.00")
    m = request_membership(loan, "lost_contact", "add", town_admin, "多次上门未见本人")
    assert codes(loan, APPROVED_ON) == []  # pending changes nothing
    decide_membership(m, qu_admin, approve=True, on=APPROVED_ON)
    assert codes(loan, APPROVED_ON - dt.timedelta(days=1)) == []
    assert codes(loan, APPROVED_ON) == ["lost_contact"]
    assert LoanEvent.objects.filter(loan=loan, kind="category").count() == 2


def test_an_approved_removal_takes_a_loan_out_of_a_subcategory_and_its_category(make_loan, admins):
    town_admin, qu_admin = admins
    loan = make_loan("L1", "1000.00")
    on_roster(loan.borrower, "dibao")
    m = request_membership(loan, "special_household", "remove", town_admin, "已核实非低保户")
    decide_membership(m, qu_admin, approve=True, on=APPROVED_ON)
    assert codes(loan, dt.date(2026, 4, 1)) == ["special_household", "dibao"]
    assert codes(loan, APPROVED_ON) == []
    end_membership(m, qu_admin, on=dt.date(2026, 6, 1))
    assert codes(loan, dt.date(2026, 6, 1)) == ["special_household", "dibao"]


def test_a_refused_request_changes_nothing(make_loan, admins):
    town_admin, qu_admin = admins
    loan = make_loan("L1", "1000.00")
    m = decide_membership(request_membership(loan, "deceased", "add", town_admin, "据村委反映"), qu_admin, approve=False)
    assert m.status == ManualMembership.Status.REFUSED
    assert codes(loan, dt.date(2027, 1, 1)) == []


def test_only_the_district_admin_decides_and_only_in_scope_loans_are_requested(make_loan, admins, other_town):
    town_admin, _ = admins
    mine, theirs = make_loan("L1"), make_loan("L2", in_town=other_town)
    m = request_membership(mine, "deceased", "add", town_admin, "理由")
    with pytest.raises(PermissionDenied):
        decide_membership(m, town_admin, approve=True)
    with pytest.raises(PermissionDenied):
        request_membership(theirs, "deceased", "add", town_admin, "理由")


def test_a_new_threshold_holds_from_its_day_and_earlier_days_keep_the_old_one(make_loan, admins):
    _, qu_admin = admins
    loan = make_loan("L1", "800000.00", guarantee="抵押")
    assert codes(loan, APPROVED_ON) == []
    set_threshold("500000", qu_admin, on=APPROVED_ON)
    assert str(threshold_on(APPROVED_ON, qu_admin.district_id)) == "500000.00"
    assert str(threshold_on(APPROVED_ON - dt.timedelta(days=1), qu_admin.district_id)) == "1000000.00"
    assert str(threshold_on(APPROVED_ON)) == "1000000.00"  # the district's own: the province default is unchanged
    assert codes(loan, APPROVED_ON) == ["large_mortgage"]
    assert codes(loan, dt.date(2026, 4, 30)) == []
