"""Builders for the waiver tests: loans with fixed bank figures, category memberships, repayments."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from npl import testing
from npl.core import derived

SNAPSHOT = dt.date(2026, 3, 31)


@pytest.fixture
def make_loan(units):
    """make_loan("W1", balance=…, rate=…, …) → a loan in town A, branch A with the bank's figures on `as_of`."""
    seeds = iter(range(100, 1000))

    def make(loan_no, *, balance="100000.00", rate="3.6", as_of=SNAPSHOT, maturity=dt.date(2026, 6, 30), on="0",
             off="0", penalty="0", compound="0", costs="0", classification="", who=None, collector=None, **extra):
        return testing.loan(
            loan_no, who or testing.borrower(next(seeds), "赵六"), units.town_a, units.branch_a, balance=balance, as_of=as_of,
            maturity=maturity, rate=Decimal(rate) if rate is not None else None, interest_on=Decimal(on),
            interest_off=Decimal(off), penalty_interest=Decimal(penalty), compound_interest=Decimal(compound),
            costs=Decimal(costs), classification=classification, collector=collector, community=units.community_a, **extra)

    return make


def on_roster(loan, kind: str, valid_from: dt.date = dt.date(2026, 1, 1)):
    """Put the loan's borrower on a district-wide roster (低保, 死亡, 服刑 …) as an import would."""
    from npl.categories.models import RosterEntry, RosterPerson

    b = loan.borrower
    person, _ = RosterPerson.objects.get_or_create(
        id_hash=b.id_hash, defaults={"id_cipher": b.id_cipher, "id_masked": b.id_masked, "name": b.name})
    entry = RosterEntry.objects.create(kind=kind, person=person, name=b.name, valid_from=valid_from)
    derived.refresh(b.loans.values_list("pk", flat=True), source="roster", setup=True)  # as the import leaves them
    return entry


def on_loan_list(loan, sub: str, valid_from: dt.date = dt.date(2026, 1, 1)):
    """Put the loan on the bank's impersonated/staff list (冒名顶替 / 农合行职工)."""
    from npl.categories.models import LoanListEntry

    entry = LoanListEntry.objects.create(loan=loan, subcategory=sub, valid_from=valid_from)
    derived.refresh([loan.pk], source="loanlist", setup=True)  # as the list import leaves them
    return entry


def repay(loan, paid_on: dt.date, *, principal="0", interest="0", costs="0", no: str = ""):
    """A confirmed repayment as the bank's flow brings it, with the loan's balance refreshed."""
    from npl.collection.models import Repayment
    from npl.loans.services import refresh_current

    rep = Repayment.objects.create(
        txn_no=no or f"T{loan.loan_no}{paid_on:%Y%m%d}{Repayment.objects.count()}", loan=loan, paid_on=paid_on,
        principal=Decimal(principal), interest=Decimal(interest), costs=Decimal(costs), confirmed=True)
    refresh_current([loan.pk])
    derived.refresh([loan.pk], setup=True)  # the repayment itself, as the import's LoanEvent for it would
    loan.refresh_from_db()
    return rep


def version_in_force(*, penalty=100, compound=100, interest=0, branch_limit="50000.00", extra=()):
    """A policy version in force since yesterday with a general tier (any loan repaying its principal within a
    year: `penalty`/`compound`/`interest` % off), plus `extra` tiers given as PolicyTier keyword dicts."""
    from npl.waivers.models import PolicyTier, PolicyVersion

    today = timezone.localdate()
    v = PolicyVersion.objects.create(name="测试版", effective_from=today - dt.timedelta(days=1), branch_limit=Decimal(branch_limit))
    for tier in ({"name": "一般户", "penalty_share": penalty, "compound_share": compound, "interest_share": interest}, *extra):
        PolicyTier.objects.create(version=v, repay_by=today + dt.timedelta(days=365), **tier)
    return v


@pytest.fixture
def today():
    return timezone.localdate()
