"""The principal balance of a loan on a day: latest snapshot on or before it, less later repayments."""
import datetime as dt
from decimal import Decimal

from npl.categories.tests.conftest import SNAP, repay
from npl.loans.balances import balance_on
from npl.loans.models import Loan, LoanSnapshot
from npl.loans.services import refresh_current


def test_a_loan_does_not_exist_before_its_first_snapshot(make_loan):
    loan = make_loan("L1", "1000.00")
    assert balance_on(loan, SNAP - dt.timedelta(days=1)) is None
    assert balance_on(loan, SNAP) == Decimal("1000.00")


def test_repayments_on_or_before_the_snapshot_day_are_already_inside_it(make_loan):
    loan = make_loan("L1", "1000.00")
    repay(loan, SNAP - dt.timedelta(days=3), "100.00")
    repay(loan, SNAP, "50.00")
    assert balance_on(loan, SNAP) == Decimal("1000.00")
    assert balance_on(loan, dt.date(2026, 5, 1)) == Decimal("1000.00")


def test_repayments_after_the_snapshot_lower_the_balance_from_their_day(make_loan):
    loan = make_loan("L1", "1000.00")
    repay(loan, dt.date(2026, 4, 10), "100.10")
    repay(loan, dt.date(2026, 4, 20), "0.05", confirmed=False)
    assert balance_on(loan, dt.date(2026, 4, 9)) == Decimal("1000.00")
    assert balance_on(loan, dt.date(2026, 4, 10)) == Decimal("899.90")
    assert balance_on(loan, dt.date(2026, 4, 30)) == Decimal("899.90")


def test_a_later_snapshot_replaces_the_earlier_one_from_its_day_only(make_loan):
    loan = make_loan("L1", "1000.00")
    repay(loan, dt.date(2026, 4, 10), "100.00")
    LoanSnapshot.objects.create(loan=loan, as_of=dt.date(2026, 6, 30), principal_balance=Decimal("700.00"))
    Loan.objects.filter(pk=loan.pk).update(snapshot_date=dt.date(2026, 6, 30))
    refresh_current([loan.pk])
    repay(loan, dt.date(2026, 7, 5), "200.00")
    assert balance_on(loan, dt.date(2026, 5, 1)) == Decimal("900.00")
    assert balance_on(loan, dt.date(2026, 6, 30)) == Decimal("700.00")
    assert balance_on(loan, dt.date(2026, 7, 5)) == Decimal("500.00")


def test_a_settled_loan_still_has_its_balance_on_the_days_before_it_was_settled(make_loan):
    loan = make_loan("L1", "1000.00")
    repay(loan, dt.date(2026, 4, 10), "400.00")
    repay(loan, dt.date(2026, 5, 10), "600.00")
    assert balance_on(loan, dt.date(2026, 5, 9)) == Decimal("600.00")
    assert balance_on(loan, dt.date(2026, 5, 10)) == Decimal("0.00")


def test_the_current_balance_adds_back_repayments_made_after_the_day(make_loan):
    loan = make_loan("L1", "1000.00")
    repay(loan, dt.date(2026, 4, 10), "100.00")
    repay(loan, dt.date(2026, 4, 20), "200.00")
    assert balance_on(loan, dt.date(2026, 4, 15)) == Decimal("900.00")
    assert balance_on(loan, dt.date(2026, 4, 20)) == Decimal("700.00")


def test_each_loan_keeps_the_day_of_its_latest_confirmed_repayment(make_loan):
    # The balance on a past day adds back the repayments after it for the loans whose column says they have any.
    loan, other = make_loan("L1", "1000.00"), make_loan("L2", "500.00")
    assert Loan.objects.get(pk=loan.pk).last_repaid_on is None
    repay(loan, dt.date(2026, 4, 10), "100.00")
    repay(loan, dt.date(2026, 4, 20), "50.00", confirmed=False)  # not counted until confirmed
    repay(loan, dt.date(2026, 4, 5), "10.00")  # an earlier day recorded later
    assert Loan.objects.get(pk=loan.pk).last_repaid_on == dt.date(2026, 4, 10)
    assert Loan.objects.get(pk=other.pk).last_repaid_on is None
    assert balance_on(loan, dt.date(2026, 4, 9)) == Decimal("990.00")


def test_the_migration_fills_the_column_from_the_confirmed_repayments(make_loan):
    import importlib

    from django.db import connection

    fill = importlib.import_module("npl.loans.migrations.0008_loan_last_repaid_on").FILL
    loan, other = make_loan("L1", "1000.00"), make_loan("L2", "500.00")
    repay(loan, dt.date(2026, 4, 10), "100.00")
    repay(loan, dt.date(2026, 5, 10), "100.00")
    repay(other, dt.date(2026, 6, 1), "100.00", confirmed=False)
    Loan.objects.update(last_repaid_on=None)
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(Loan.objects.values_list("loan_no", "last_repaid_on")) == {"L1": dt.date(2026, 5, 10), "L2": None}
