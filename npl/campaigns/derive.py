"""Each campaign's task loans and their baseline balances as stored rows (`TaskLoan`, issue 16, npl.core.derived).

A campaign's task is the loans of its scope with a balance > 0 on its baseline day, at that balance. The
balance on a past day is the latest snapshot on or before it less the confirmed repayments after that snapshot
up to the day (`loans.balances`): it changes only when a loan's own data does — a snapshot or a confirmed
repayment dated on or before the baseline imported or entered later, a loan moving township — and every such
change refreshes the loan (`refresh_current`, a `LoanEvent`), which runs this deriver for it in the same
transaction. The passing of time changes nothing here, so the rows hold for every as-of day; what does depend
on the as-of day (approved reductions, 不计入考核 waivers) the figures apply when they read the rows.

Computed once per baseline day for the campaigns sharing it: the loans' balances on that day (named loans:
a chunk at a time), then each campaign's scope in Python. A campaign's rows are read only while
`Campaign.task_stored_for` says they were computed in full for its baseline and scope (`create_campaign`, or
a refresh of every loan); a named-loans refresh keeps only such campaigns' rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from npl.campaigns.models import Campaign, TaskLoan
from npl.core import bulk, derived
from npl.core.money import CENT
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan

CHUNK = 2000  # loans per balance query when refreshing named loans

Row = tuple[int, int, Decimal]  # (campaign id, loan id, baseline balance)


def _cents(balance) -> Decimal:
    return Decimal(balance).quantize(CENT, rounding=ROUND_HALF_UP)


def _in_scope(campaign: Campaign, township_id, district_id) -> bool:
    return (not campaign.district_id or district_id == campaign.district_id) and (
        not campaign.township_id or township_id == campaign.township_id)


def compute(campaigns: list[Campaign], loan_ids: Iterable[int] | None) -> dict[tuple[int, int], Decimal]:
    """(campaign, loan) → baseline balance of every task loan of these campaigns, among these loans (None: all)."""
    ids = None if loan_ids is None else sorted(set(loan_ids))
    by_day: dict[dt.date, list[Campaign]] = defaultdict(list)
    for c in campaigns:
        by_day[c.baseline].append(c)
    out: dict[tuple[int, int], Decimal] = {}
    for day, group in by_day.items():
        loans = Loan.objects.all()
        districts = {c.district_id for c in group}
        if None not in districts:  # only the districts these campaigns cover
            loans = loans.filter(township__district_id__in=districts)
        fields = ("pk", "township_id", "township__district_id", BALANCE)
        if ids is None:
            chunks = [with_balance(loans, day)]
        else:
            chunks = [with_balance(loans.filter(pk__ids=ids[i : i + CHUNK]), day) for i in range(0, len(ids), CHUNK)]
        for qs in chunks:
            rows = qs.filter(**{f"{BALANCE}__gt": 0}).order_by().values_list(*fields)
            for pk, town, district, balance in rows.iterator(chunk_size=5000):
                for c in group:
                    if _in_scope(c, town, district):
                        out[(c.pk, pk)] = _cents(balance)
    return out


def _stored(campaign_ids: list[int], loan_ids: Iterable[int] | None) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """(campaign, loan) → (row id, balance) as stored for these campaigns and loans (None: all)."""
    rows = TaskLoan.objects.filter(campaign_id__ids=campaign_ids).order_by()
    fields = ("pk", "campaign_id", "loan_id", "balance")
    if loan_ids is None:
        found = rows.values_list(*fields).iterator(chunk_size=5000)
    else:
        ids = sorted(set(loan_ids))
        found = (r for i in range(0, len(ids), CHUNK) for r in rows.filter(loan_id__ids=ids[i : i + CHUNK]).values_list(*fields))
    return {(c, loan): (pk, Decimal(balance)) for pk, c, loan, balance in found}


def store(campaigns: list[Campaign], loan_ids: set[int] | None) -> int:
    """Bring these campaigns' rows of these loans (None: all, and mark the campaigns computed) up to date; return
    how many rows changed. Only the difference from what is stored is written."""
    if not campaigns:
        return 0
    computed = compute(campaigns, loan_ids)
    stored = _stored([c.pk for c in campaigns], loan_ids)
    gone = [pk for key, (pk, _) in stored.items() if key not in computed]
    new = [{"campaign_id": c, "loan_id": loan, "balance": balance} for (c, loan), balance in computed.items() if (c, loan) not in stored]
    changed = [TaskLoan(pk=stored[key][0], balance=balance) for key, balance in computed.items()
               if key in stored and stored[key][1] != balance]
    for i in range(0, len(gone), bulk.IN_CHUNK):
        TaskLoan.objects.filter(pk__ids=gone[i : i + bulk.IN_CHUNK]).delete()
    bulk.insert_dicts(TaskLoan, new)
    bulk.update_objects(TaskLoan, changed, ["balance"])
    if loan_ids is None:
        for c in campaigns:
            if not c.task_stored:
                c.task_stored_for = c.task_key()
                Campaign.objects.filter(pk=c.pk).update(task_stored_for=c.task_stored_for)
    return len(gone) + len(new) + len(changed)


class TaskLoans(derived.Deriver):
    """The campaigns' task loans at their baseline balances: only a loan's own data changes them."""

    name = "campaign_tasks"
    label = "清收行动任务基数"
    order = 40
    reads = frozenset()  # rosters, thresholds, calendars, rules: none of them moves a balance

    def refresh(self, loan_ids: set[int] | None, day: dt.date) -> int:
        campaigns = list(Campaign.objects.order_by("pk"))
        if loan_ids is not None:  # rows are read only for campaigns computed in full; the others wait for that
            campaigns = [c for c in campaigns if c.task_stored]
        return store(campaigns, loan_ids)

    def differences(self, day: dt.date) -> Iterator[derived.Difference]:
        campaigns = [c for c in Campaign.objects.order_by("pk") if c.task_stored]
        computed = compute(campaigns, None)
        stored = {key: balance for key, (_, balance) in _stored([c.pk for c in campaigns], None).items()}
        for key in sorted(stored.keys() | computed.keys()):
            campaign, loan = key
            have, want = stored.get(key), computed.get(key)
            if have != want:
                yield derived.Difference(self.name, loan, f"清收行动#{campaign} 基准日余额", have, want)
