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
