"""The daily sweep settles promises a chunk of loans at a time (issue 16): what it writes is what judging one loan
at a time wrote — the same statuses, closing days and history events, each loan judged only by its own
repayments — whatever the chunk size, and a second sweep the same day changes nothing.

The expected events below are those the per-loan sweep wrote for the same scenario (this file passed against it).
"""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from npl.collection import services
from npl.collection.models import CollectionAction, Repayment
from npl.core import derived
from npl.loans.models import LoanEvent

IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")
DAY = dt.timedelta(days=1)


def promised(loan, *, made: int, due: int, amount: str, status: str = "open") -> CollectionAction:
    """A promise made `made` days ago to pay `amount` by `due` days from today (status "": an imported ledger row)."""
    action = CollectionAction.objects.create(
        loan=loan, acted_on=TODAY - made * DAY, method="phone", signature="", outcome="承诺还款",
        promise_date=TODAY + due * DAY, promise_amount=Decimal(amount), promise_status=status,
    )
    derived.refresh([loan.pk], setup=True)  # its stored derived rows, as the ledger import leaves them
    return action


def paid(loan, days_ago: int, amount: str, txn: str) -> Repayment:
    """A confirmed bank repayment as the importer writes it (the sweep, not the import's follow-ups, judges it)."""
    rep = Repayment.objects.create(txn_no=txn, loan=loan, paid_on=TODAY - days_ago * DAY, principal=Decimal(amount),
                                   confirmed=True)
    derived.refresh([loan.pk], setup=True)  # its stored derived rows, as the import leaves them
    return rep


def promise_events(since: int = 0) -> list[tuple]:
    return list(LoanEvent.objects.filter(field="promise", pk__gt=since).order_by("loan__loan_no", "pk").values_list(
        "loan__loan_no", "kind", "before", "after", "note", "occurred_on", "actor"))


def last_event() -> int:
    return LoanEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def state(*promises) -> list[tuple]:
    for p in promises:
        p.refresh_from_db()
    return [(p.promise_status, p.promise_closed_on) for p in promises]


@pytest.fixture
def scenario(loans):
    """Five loans, in id order LA001, LA002, LA003, LB001, LB002 (chunks of 2 split them 2 + 2 + 1)."""
    la1, la2, la3, lb1, lb2 = (loans[n] for n in ("LA001", "LA002", "LA003", "LB001", "LB002"))
    made = {
        # kept by two repayments in its window; one before the promise does not count
        "kept": promised(la1, made=10, due=-2, amount="3000.00"),
        # 1000 paid of 3500: broken — LA001's 3000 in the same window and chunk is not this loan's
        "broken": promised(la2, made=10, due=-1, amount="3500.00"),
        # not yet due, partly paid: stays open, no event
        "open": promised(la3, made=3, due=5, amount="2000.00"),
        # an imported ledger row not yet due: recorded as open, without an event
        "ledger": promised(lb1, made=4, due=3, amount="800.00", status=""),
        # long past and unpaid: broken; the loan stays in the sweep by its newer promise
        "late": promised(lb2, made=20, due=-10, amount="800.00"),
        "newer": promised(lb2, made=2, due=10, amount="500.00"),
    }
    paid(la1, 12, "5000.00", "EARLY")
    paid(la1, 5, "1000.00", "A1")
    paid(la1, 3, "2000.00", "A2")
    paid(la2, 6, "1000.00", "B1")
    paid(la3, 1, "100.00", "C1")
    return made


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_the_sweep_judges_each_loans_promises_by_its_own_repayments_whatever_the_chunk(scenario, monkeypatch, chunk):
    monkeypatch.setattr(services, "SWEEP_CHUNK", chunk, raising=False)
    before = last_event()
    counts = services.sweep(TODAY)
    assert (counts["promises_kept"], counts["promises_broken"]) == (1, 2)
    s = scenario
    assert state(s["kept"], s["broken"], s["open"], s["ledger"], s["late"], s["newer"]) == [
        ("kept", TODAY - 3 * DAY),
        ("broken", TODAY),
        ("open", None),
        ("open", None),
        ("broken", TODAY - 9 * DAY),
        ("open", None),
    ]
    assert promise_events(before) == [
        ("LA001", "action", "open", "kept", f"承诺还款已履行：{TODAY - 2 * DAY:%Y-%m-%d}前已还3000.00元",
         TODAY - 3 * DAY, None),
        ("LA002", "action", "open", "broken", f"承诺{TODAY - DAY:%Y-%m-%d}前还款3500.00元，到期未还（已还1000.00元）",
         TODAY, None),
        ("LB002", "action", "open", "broken", f"承诺{TODAY - 10 * DAY:%Y-%m-%d}前还款800.00元，到期未还（已还0.00元）",
         TODAY - 9 * DAY, None),
    ]


@pytest.mark.parametrize("chunk", [2, 500])
def test_a_second_sweep_the_same_day_changes_nothing_and_writes_no_event(scenario, monkeypatch, chunk):
    monkeypatch.setattr(services, "SWEEP_CHUNK", chunk, raising=False)
    services.sweep(TODAY)
    s = list(scenario.values())
    settled, before = state(*s), last_event()
    counts = services.sweep(TODAY)
    assert counts.get("promises_kept", 0) == counts.get("promises_broken", 0) == 0
    assert state(*s) == settled and last_event() == before


def test_a_late_bank_record_turns_a_broken_promise_kept_at_the_next_sweep(scenario, loans, monkeypatch):
    monkeypatch.setattr(services, "SWEEP_CHUNK", 2, raising=False)
    services.sweep(TODAY)
    before = last_event()
    paid(loans["LB002"], 12, "800.00", "LATE")  # paid in time (promised 20 days ago, due 10 days ago); recorded late
    counts = services.sweep(TODAY)
    assert (counts["promises_kept"], counts.get("promises_broken", 0)) == (1, 0)
    assert state(scenario["late"], scenario["newer"]) == [("kept", TODAY - 12 * DAY), ("open", None)]
    assert promise_events(before) == [
        ("LB002", "action", "broken", "kept", f"承诺还款已履行：{TODAY - 10 * DAY:%Y-%m-%d}前已还800.00元",
         TODAY - 12 * DAY, None),
    ]
    trail = list(LoanEvent.objects.filter(loan=loans["LB002"], field="promise").values_list("before", "after"))
    assert trail == [("open", "broken"), ("broken", "kept")]  # the broken event stays


def test_confirmed_repayments_of_several_loans_settle_their_promises_together(scenario, loans, monkeypatch, cast):
    monkeypatch.setattr(services, "SWEEP_CHUNK", 2, raising=False)
    services.sweep(TODAY)
    before = last_event()
    paid(loans["LA002"], 0, "2500.00", "B2")  # too late for LA002's promise (due yesterday): stays broken
    paid(loans["LA003"], 0, "1900.00", "C2")  # with C1 reaches LA003's 2000
    paid(loans["LB002"], 15, "800.00", "LATE")  # in time for LB002's first promise
    services.after_confirmed([loans[n].pk for n in ("LA002", "LA003", "LB002")], actor=cast["branch_staff"])
    s = scenario
    assert state(s["broken"], s["open"], s["late"], s["newer"]) == [
        ("broken", TODAY), ("kept", TODAY), ("kept", TODAY - 15 * DAY), ("open", None),
    ]
    actor = cast["branch_staff"].pk
    assert promise_events(before) == [
        ("LA003", "action", "open", "kept", f"承诺还款已履行：{TODAY + 5 * DAY:%Y-%m-%d}前已还2000.00元", TODAY, actor),
        ("LB002", "action", "broken", "kept", f"承诺还款已履行：{TODAY - 10 * DAY:%Y-%m-%d}前已还800.00元",
         TODAY - 15 * DAY, actor),
    ]
