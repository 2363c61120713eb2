"""The history timelines read in Chinese: codes by their choice labels, amounts as money."""
from decimal import Decimal

import pytest

from npl.loans import history


def test_a_plan_instalment_paid_reads_as_its_status_labels():
    from npl.collection.choices import InstalmentStatus

    assert history.value("instalment", "due") == InstalmentStatus("due").label
    assert history.value("instalment", "paid") == InstalmentStatus("paid").label


def test_an_action_reads_its_method_and_signature_in_chinese():
    from npl.collection.models import CollectionAction

    method = CollectionAction._meta.get_field("method")
    text = history.value("action", {"method": "phone", "signature": "unsigned"})
    assert "phone" not in text and "unsigned" not in text
    assert dict(method.flatchoices)["phone"] in text


@pytest.mark.django_db
def test_a_plan_status_reads_as_its_label_though_the_loan_has_a_status_of_its_own():
    from npl.collection.choices import PlanStatus

    text = history.value("plan", {"plan": 999999, "status": "submitted", "total": "26317.15", "instalments": 5})
    assert PlanStatus("submitted").label in text
    assert "合计金额：26,317.15" in text and "期数：5" in text


def test_a_repayment_shows_its_channel_and_amounts_as_money():
    text = history.value("repayment", {"txn_no": "LS1", "principal": "993516.070000000", "channel": "cash"})
    assert "993,516.07" in text and "cash" not in text and "现金" in text


def test_a_balance_change_is_money_and_a_decimal_is_money_too():
    assert history.value("principal_balance", "134136.00") == "134,136.00"
    assert history.value("", Decimal("5.5")) == "5.50"


def test_nothing_reads_as_a_dash_and_booleans_as_yes_or_no():
    assert history.value("x", None) == "—"
    assert history.value("x", True) == "是"


def test_a_field_label_is_the_model_fields_verbose_name():
    assert history.label("principal_balance") == "本金余额"
    assert history.label("plan") == "还款计划"


@pytest.mark.django_db
def test_people_named_in_many_events_are_fetched_together_not_once_an_event(loans, cast):
    """Assignments name people by username (imports) or by name (services): the loan page's history looks
    them up in one query for all its events, and reads each the same as one at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from npl.loans.choices import EventKind
    from npl.loans.models import LoanEvent

    loan = loans["LA001"]
    collector, clerk = cast["collector"], cast["branch_staff"]
    for before, after in [(None, collector.username), (collector.username, clerk.username), (str(clerk), "某人")]:
        LoanEvent.objects.create(loan=loan, kind=EventKind.ASSIGNED, field="responsible_person", before=before, after=after)
    events = list(loan.events.filter(kind=EventKind.ASSIGNED).order_by("pk"))
    one_by_one = [(history.value(e.field, e.before) if e.before else None, history.value(e.field, e.after)) for e in events]
    with CaptureQueriesContext(connection) as ctx:
        together = [(r["before"], r["after"]) for r in history.rows(events)]
    assert together == one_by_one
    assert together[0][1] == str(collector) and together[2][1] == "某人"
    assert len(ctx.captured_queries) == 1  # the people of every event at once


def test_people_the_caller_read_already_are_named_the_same_without_a_query(loans, cast):
    """The loan page passes the people it has (the user, the loan's leader and person); the events' actors come
    with the events: names read from them are the ones a query would give, and no query is made for them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from npl.loans.choices import EventKind
    from npl.loans.models import LoanEvent

    loan = loans["LA001"]
    collector, clerk, admin = cast["collector"], cast["branch_staff"], cast["township_admin"]
    for before, after in [(None, collector.username), (collector.username, str(clerk.pk)), (str(clerk.pk), admin.username)]:
        LoanEvent.objects.create(loan=loan, kind=EventKind.ASSIGNED, field="responsible_person", before=before, after=after,
                                 actor=admin)
    events = list(loan.events.filter(kind=EventKind.ASSIGNED).select_related("actor").order_by("pk"))
    looked_up = [(r["before"], r["after"]) for r in history.rows(events)]
    with CaptureQueriesContext(connection) as ctx:
        known = [(r["before"], r["after"]) for r in history.rows(events, known=(collector, clerk, None))]
    assert known == looked_up == [(None, str(collector)), (str(collector), str(clerk)), (str(clerk), str(admin))]
    assert ctx.captured_queries == []  # the admin is the events' actor, the others were passed
