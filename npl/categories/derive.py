"""Each loan's category memberships as stored rows (`Membership`), kept current (issue 16, npl.core.derived).

The rows say what `categories.engine` says for the day: one row per loan that exists that day (a balance,
possibly 0) and each category or subcategory it is in, with its balance and township. Pages count those with
a balance > 0, as the engine's reports do. Computed set-wise: for every loan (the sweep), one engine
query per code returning its members, so a million loans take seventeen scans, not a query per loan; for the
loans a change names, one query per chunk of loans with every code as a flag. Only the difference from what is stored is written.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, ExpressionWrapper

from npl.categories.choices import ALL_CODES
from npl.categories.engine import Rules, conditions
from npl.categories.models import Membership
from npl.core import bulk, derived
from npl.core.money import CENT
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan

CHUNK = 2000  # loans per query when refreshing named loans
# Above this share of all loans (and one chunk), named loans are computed set-wise: the engine over all loans once,
# the rest kept in Python. Measured on a 20,000-loan PostgreSQL demo: a chunk of 2,000 named loans 0.8 s, every
# loan set-wise 0.9 s (100,000 loans: 2.2 s), so set-wise wins from about a twentieth of the portfolio.
SET_WISE_SHARE = 0.05

Key = tuple[int, str]  # (loan id, code)
Figures = tuple[int, Decimal]  # (township id, balance on the day)


def compute(loan_ids: Iterable[int] | None, day: dt.date) -> dict[Key, Figures]:
    """(loan, code) → (township, balance) of every membership on `day` the engine finds, for these loans
    (None: all). A loan that did not exist on the day has none.

    All loans (the sweep, the check): one engine query per code, each returning only its members. Named loans
    (a service, an import): one query per chunk with every code as a flag, as the loan page asks the engine."""
    ids = None if loan_ids is None else sorted(set(loan_ids))
    if ids is not None and len(ids) > CHUNK and len(ids) > SET_WISE_SHARE * Loan.objects.count():
        wanted = set(ids)
        return {k: v for k, v in compute(None, day).items() if k[0] in wanted}
    out: dict[Key, Figures] = {}
    if ids is None:
        conds = conditions(day, rules=Rules(day, None))
        for code in ALL_CODES:
            qs = with_balance(Loan.objects.all(), day).filter(conds[code]).filter(**{f"{BALANCE}__isnull": False})
            for pk, town, balance in qs.order_by().values_list("pk", "township_id", BALANCE).iterator(chunk_size=5000):
                out[(pk, code)] = (town, _cents(balance))
        return out
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        # The rules of this chunk's loans only (their borrowers' roster entries…): the whole list's in every
        # chunk's query made a refresh of n loans cost n² (41 s for 20,000 loans against 0.9 s set-wise).
        conds = conditions(day, rules=Rules(day, chunk))
        flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
        qs = with_balance(Loan.objects.filter(pk__ids=chunk), day).annotate(**flags)
        for row in qs.order_by().values("pk", "township_id", BALANCE, *flags):
            if row[BALANCE] is None:
                continue  # the loan did not exist on the day
            for code in ALL_CODES:
                if row[f"c_{code}"]:
                    out[(row["pk"], code)] = (row["township_id"], _cents(row[BALANCE]))
    return out


def _cents(balance) -> Decimal:
    return Decimal(balance).quantize(CENT, rounding=ROUND_HALF_UP)


def _stored(loan_ids: Iterable[int] | None) -> dict[Key, tuple[int, int, Decimal]]:
    """(loan, code) → (row id, township, balance) as stored, for these loans (None: all)."""
    rows = Membership.objects.order_by()
    fields = ("pk", "loan_id", "code", "township_id", "balance")
    if loan_ids is None:
        found = rows.values_list(*fields).iterator(chunk_size=5000)
    else:
        ids = sorted(set(loan_ids))
        found = (r for i in range(0, len(ids), CHUNK) for r in rows.filter(loan_id__ids=ids[i : i + CHUNK]).values_list(*fields))
    return {(loan, code): (pk, town, Decimal(balance)) for pk, loan, code, town, balance in found}


class Memberships(derived.Deriver):
    """The stored category memberships: rosters, the bank's list, manual decisions and the threshold feed them."""

    name = "memberships"
    label = "类别归属"
    order = 10
    reads = frozenset({"roster", "loanlist", "manual", "threshold"})

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        computed = compute(loan_ids, day)
        stored = _stored(loan_ids)
        gone = [pk for key, (pk, _, _) in stored.items() if key not in computed]
        new = [
            {"loan_id": loan, "code": code, "township_id": town, "balance": balance, "day": day}
            for (loan, code), (town, balance) in computed.items()
            if (loan, code) not in stored
        ]
        changed = [
            Membership(pk=stored[key][0], township_id=town, balance=balance, day=day)
            for key, (town, balance) in computed.items()
            if key in stored and stored[key][1:] != (town, balance)
        ]
        for i in range(0, len(gone), bulk.IN_CHUNK):
            Membership.objects.filter(pk__ids=gone[i : i + bulk.IN_CHUNK]).delete()
        bulk.insert_dicts(Membership, new)
        bulk.update_objects(Membership, changed, ["township_id", "balance", "day"])
        return len(gone) + len(new) + len(changed)

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        computed = compute(None, day)
        stored = _stored(None)
        for key in sorted(stored.keys() | computed.keys()):
            loan, code = key
            have = stored.get(key)
            want = computed.get(key)
            if have is None or want is None:
                yield derived.Difference(self.name, loan, code, _shown(have and have[1:]), _shown(want))
            elif have[1:] != want:
                if have[1] != want[0]:
                    yield derived.Difference(self.name, loan, f"{code} 乡镇", have[1], want[0])
                if have[2] != want[1]:
                    yield derived.Difference(self.name, loan, f"{code} 余额", have[2], want[1])


def _shown(figures) -> str:
    """A membership as a difference shows it: 不在该类 when absent, else its balance."""
    return "不在该类" if not figures else f"在该类（余额 {figures[1]:.2f}）"
