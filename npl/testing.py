"""Builders for tests and benchmarks: units, users of every role, borrowers with valid IDs, loans.

These write through the models directly (fast, explicit); the demo district goes through the importers.
"""
import datetime as dt
import random
from decimal import Decimal

from npl.accounts.choices import DISTRICT_TIER, Role
from npl.accounts.models import User
from npl.core import derived
from npl.core.idnumber import check_char
from npl.loans.models import Borrower, Loan, LoanSnapshot
from npl.org.models import Bank, Branch, Community, District, Township

PASSWORD = "Npl-test-2026"


def valid_id(seed: int, *, region: str = "610523", born: dt.date | None = None, male: bool | None = None) -> str:
    """A GB 11643-valid 18-character ID number, deterministic in `seed`."""
    rnd = random.Random(seed)
    born = born or dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 50))
    seq = rnd.randrange(0, 100)
    sex = rnd.randrange(0, 10) if male is None else rnd.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    body = f"{region}{born:%Y%m%d}{seq:02d}{sex}"
    return body + check_char(body)


def township(name: str = "柳溪镇", district: District | None = None) -> Township:
    return Township.objects.get_or_create(district=district or District.current(), name=name)[0]


def community(town: Township, name: str = "东村") -> Community:
    return Community.objects.get_or_create(township=town, name=name)[0]


def branch(name: str = "柳溪支行", town: Township | None = None, bank: Bank | None = None) -> Branch:
    """A branch of `bank` (the installation's first), sited in the district of `town` when given."""
    defaults = {"district": town.district} if town is not None else {}
    b = Branch.objects.get_or_create(bank=bank or Bank.current(), name=name, defaults=defaults)[0]
    if town is not None:
        b.townships.add(town)
    return b


def user(username: str, role: str = "", *, town: Township | None = None, branch_: Branch | None = None, **extra) -> User:
    """A user of `role`; a district role without `district=` belongs to the installation's first district."""
    if role in DISTRICT_TIER and "district" not in extra:
        extra["district"] = District.current()
    u = User.objects.create_user(
        username=username, password=PASSWORD, role=role, township=town, branch=branch_, display_name=username, **extra
    )
    return u


def borrower(seed: int, name: str = "张三", id_number: str | None = None) -> Borrower:
    number = id_number or valid_id(seed)
    b = Borrower()
    b.set_id_number(number)
    b.set_name(name)
    b.save()
    return b


def loan(
    loan_no: str,
    who: Borrower,
    town: Township,
    bank_branch: Branch,
    *,
    balance: str | Decimal = "100000.00",
    amount: str | Decimal | None = None,
    as_of: dt.date = dt.date(2026, 3, 31),
    issue: dt.date = dt.date(2020, 3, 15),
    maturity: dt.date = dt.date(2023, 3, 15),
    guarantee: str = "保证",
    collector: User | None = None,
    **extra,
) -> Loan:
    """A loan plus the bank snapshot of `as_of` (the day its balance holds from)."""
    balance = Decimal(balance)
    obj = Loan.objects.create(
        loan_no=loan_no,
        borrower=who,
        township=town,
        branch=bank_branch,
        amount=Decimal(amount) if amount is not None else balance,
        principal_balance=balance,
        issue_date=issue,
        maturity_date=maturity,
        guarantee=guarantee,
        snapshot_date=as_of,
        responsible_person=collector,
        **extra,
    )
    LoanSnapshot.objects.create(loan=obj, as_of=as_of, principal_balance=balance)
    derived.refresh([obj.pk], setup=True)  # its stored derived rows, as an import would leave them
    return obj


ROLES = [r.value for r in Role]
