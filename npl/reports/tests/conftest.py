"""Builders for the reports tests: the shared cast's loans in a campaign with a baseline of 2026-03-31.

Task (the `loans` fixture, balances of 2026-03-31): 柳溪镇 LA001 100,000 + LA002 250,000 + LA003 80,000
= 430,000 元; 桃源乡 LB001 1,200,000 + LB002 50,000 = 1,250,000 元. Every loan matured 2023-03-15, so its
3-year limitation lapsed on 2026-03-15 unless something interrupted it; LA002 is in a suit the bank filed.
"""
import datetime as dt
from decimal import Decimal

import pytest

from npl.campaigns.services import create_campaign
from npl.categories.tests.conftest import SNAP  # noqa: F401
from npl.categories.tests.conftest import repay as _repay
from npl.collection.models import CollectionAction
from npl.core import derived


@pytest.fixture
def campaign(loans):
    return create_campaign("攻坚行动", SNAP)


def act(loan, on: dt.date, *, method="visit", promise: dt.date | None = None, kept_on: dt.date | None = None):
    """A ledger line (催收台账), optionally with a promise, kept on `kept_on`."""
    made = CollectionAction.objects.create(
        loan=loan, acted_on=on, method=method, promise_date=promise,
        promise_amount=Decimal("1000.00") if promise else None,
        promise_status=("kept" if kept_on else "open") if promise else "", promise_closed_on=kept_on,
    )
    derived.refresh([loan.pk], setup=True)  # its stored derived rows, as the ledger import would leave them
    return made


def repay(loan, on, principal, interest="0.00", channel="cash", confirmed=True):
    """categories' repayment builder, then the loan's stored derived rows as the import would leave them."""
    rep = _repay(loan, on, principal, interest=interest, channel=channel, confirmed=confirmed)
    derived.refresh([loan.pk], setup=True)
    return rep


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Dashboards cache clock counts per scope and day: each test starts without another test's figures."""
    from django.core.cache import cache

    cache.clear()
