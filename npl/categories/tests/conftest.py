"""Builders for category tests: roster entries as an import would write them, repayments, manual decisions."""
import datetime as dt
from decimal import Decimal

import pytest

from npl import testing
from npl.categories.models import LoanListEntry, RosterEntry, RosterPerson
from npl.collection.models import Repayment
from npl.core import derived
from npl.loans.models import Loan
from npl.loans.services import refresh_current

SNAP = dt.date(2026, 3, 31)  # the day testing.loan() snapshots


def on_roster(borrower, kind, *, valid_from=SNAP, valid_to=None, township=None, district=None, details=None):
    """Put a borrower on a roster kind (district-wide unless `township`; every district unless `district`),
    matched by the ID hash."""
    person, _ = RosterPerson.objects.get_or_create(
        id_hash=borrower.id_hash,
        defaults={"id_cipher": borrower.id_cipher, "id_masked": borrower.id_masked, "name": borrower.name},
    )
    entry = RosterEntry.objects.create(
        kind=kind, person=person, name=borrower.name, township=township, district=district, valid_from=valid_from,
        valid_to=valid_to, details=details or {},
    )
    # The stored memberships of the person's loans, as the roster import leaves them.
    derived.refresh(Loan.objects.filter(borrower__id_hash=borrower.id_hash).values_list("pk", flat=True),
                    source="roster", setup=True)
    return entry


def on_list(loan, sub, *, valid_from=SNAP):
    entry = LoanListEntry.objects.create(loan=loan, subcategory=sub, valid_from=valid_from)
    derived.refresh([loan.pk], source="loanlist", setup=True)  # as the list import leaves them
    return entry


_txn = iter(range(1, 10**9))


def repay(loan, on, principal, interest="0.00", channel="cash", confirmed=True):
    """A repayment as the import writes it: the row, then the loan's current balance refreshed."""
    rep = Repayment.objects.create(
        txn_no=f"T{next(_txn):08d}", loan=loan, paid_on=on, principal=Decimal(principal), interest=Decimal(interest),
        channel=channel, confirmed=confirmed,
    )
    refresh_current([loan.pk])
    derived.refresh([loan.pk], setup=True)  # the repayment itself (an import writes a LoanEvent for it): the clocks read it
    return rep


@pytest.fixture
def town(db):
    return testing.township("柳溪镇")


@pytest.fixture
def other_town(db):
    return testing.township("桃源乡")


@pytest.fixture
def bank(town, other_town):
    b = testing.branch("柳溪支行", town)
    b.townships.add(other_town)
    return b


@pytest.fixture
def make_loan(town, bank):
    """make_loan("L1", balance="1000.00", who=borrower, town=…) with a snapshot on 2026-03-31."""
    seeds = iter(range(100, 10**6))

    def make(no, balance="100000.00", who=None, in_town=None, **extra):
        who = who or testing.borrower(next(seeds), "赵六")
        return testing.loan(no, who, in_town or town, bank, balance=balance, **extra)

    return make
