"""A small built history for the likelihood tests: loans, repayments and ledger rows written through the models."""
import datetime as dt
from decimal import Decimal

import pytest

from npl import testing
from npl.collection.models import CollectionAction, Repayment
from npl.core import derived

D = dt.date
SNAPSHOT_DAY = D(2026, 3, 31)
MATURITY = D(2023, 3, 15)


class History:
    """Writes one loan's dated facts; each helper says what a real import or service would have written."""

    def __init__(self, units):
        self.units = units
        self.n = 0

    def loan(self, balance="100000.00", *, amount=None, as_of=SNAPSHOT_DAY, maturity=MATURITY, **extra):
        self.n += 1
        who = testing.borrower(1000 + self.n, "张三")
        return testing.loan(f"LH{self.n:04d}", who, self.units.town_a, self.units.branch_a, balance=balance,
                            amount=amount, as_of=as_of, maturity=maturity, **extra)

    def repay(self, loan, on, principal="1000.00", interest="0.00"):
        self.n += 1
        made = Repayment.objects.create(txn_no=f"T{self.n:06d}", loan=loan, paid_on=on, principal=Decimal(principal),
                                        interest=Decimal(interest), confirmed=True)
        derived.refresh([loan.pk], setup=True)  # its stored derived rows, as the repayments import would leave them
        return made

    def act(self, loan, on, outcome_code="met_borrower", *, method="visit", signature="borrower",
            promise_on=None, promise_amount=None):
        made = CollectionAction.objects.create(
            loan=loan, acted_on=on, method=method, signature=signature, outcome_code=outcome_code,
            promise_date=promise_on, promise_amount=Decimal(promise_amount) if promise_amount else None)
        derived.refresh([loan.pk], setup=True)  # as the ledger import would leave them
        return made


@pytest.fixture
def history(units):
    return History(units)
