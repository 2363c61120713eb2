"""Collection actions in the field: the phone form, the fixed outcome codes, evidence checks, the first action
starting collection, and promises becoming kept or broken by themselves."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from npl.collection import services
from npl.collection.models import CollectionAction, Repayment
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan, LoanEvent

# TODAY is fixed when the module is imported; each test runs on that day (npl/conftest.py `on_import_day`),
# so a run crossing midnight in Asia/Shanghai does not see two different todays.
IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png() -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, "PNG")
    return SimpleUploadedFile("notice.png", buf.getvalue(), content_type="image/png")


def new_action_url(loan_no="LA001"):
    return reverse("collection:action_new", args=[loan_no])


def post_action(client, loan_no="LA001", **fields):
    data = {"acted_on": TODAY.isoformat(), "method": "visit", "outcome_code": "met_borrower", "signature": "borrower"}
    data.update(fields)
    return client.post(new_action_url(loan_no), data)


def bank_pays(loan, on, amount, txn):
    """A confirmed repayment as the bank's flow brings it (the importer's write, then the follow-ups)."""
    Repayment.objects.create(txn_no=txn, loan=loan, paid_on=on, principal=Decimal(amount), confirmed=True)
    services.after_confirmed([loan.pk])


# --- the form --------------------------------------------------------------------------------------


def test_the_action_form_is_made_for_a_phone(client_for, loans):
    page = client_for("collector").get(new_action_url()).content.decode()
    assert 'name="viewport"' in page
    assert 'type="date"' in page and 'inputmode="decimal"' in page
    assert 'capture="environment"' in page and 'accept="image/*,application/pdf"' in page
    assert 'enctype="multipart/form-data"' in page
    for label in ("本人接触", "家属接触", "无人/未接通", "拒绝沟通", "失联", "承诺还款", "已还款"):
        assert label in page
    for label in ("借款人签收", "家属签收", "未签收", "拒签"):
        assert label in page
    assert "collection/flow.js" in page and "<script>" not in page and "style=" not in page


def test_a_posted_action_is_saved_with_its_photo_and_starts_collection(client_for, loans, cast):
    r = post_action(client_for("collector"), evidence=png(), next_follow_up=(TODAY + 7 * DAY).isoformat(), note="已送达催收通知书")
    assert r.status_code == 302
    action = CollectionAction.objects.get(loan=loans["LA001"])
    assert action.collector == cast["collector"] and action.outcome_code == "met_borrower" and action.outcome == "本人接触"
    assert action.evidence.name.endswith(".png") and action.next_follow_up == TODAY + 7 * DAY
    assert Loan.objects.get(pk=loans["LA001"].pk).status == LoanStatus.IN_COLLECTION
    kinds = list(LoanEvent.objects.filter(loan=loans["LA001"]).values_list("kind", "field"))
    assert ("action", "action") in kinds and ("status_changed", "status") in kinds
    evidence = client_for("township_admin").get(reverse("collection:action_evidence", args=[action.pk]))
    assert evidence.status_code == 200
    assert client_for("outsider").get(reverse("collection:action_evidence", args=[action.pk])).status_code == 404


def test_evidence_that_is_not_a_photo_is_refused(client_for, loans):
    fake = SimpleUploadedFile("notice.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    r = post_action(client_for("collector"), evidence=fake)
    assert r.status_code == 200 and "证据须为照片" in r.content.decode()
    assert not CollectionAction.objects.exists()


def test_evidence_over_5_mb_is_refused():
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError, match="不能超过5MB"):
        services.check_evidence(big)


def test_a_promise_outcome_needs_amount_and_date(client_for, loans):
    r = post_action(client_for("collector"), outcome_code="promised")
    assert "须填写承诺金额和日期" in r.content.decode()
    r = post_action(client_for("collector"), outcome_code="promised", promise_amount="5000", promise_date="")
    assert "承诺还款须同时填写金额和日期" in r.content.decode()
    assert not CollectionAction.objects.exists()


def test_a_future_date_and_a_duplicate_are_refused(loans, cast):
    with pytest.raises(ValidationError, match="催收日期不能晚于今天"):
        services.record_action(loans["LA001"], cast["collector"], acted_on=TODAY + DAY, method="phone", outcome_code="no_one")
    services.record_action(loans["LA001"], cast["collector"], acted_on=TODAY, method="phone", outcome_code="no_one")
    with pytest.raises(ValidationError, match="当天已有同一方式的催收记录"):
        services.record_action(loans["LA001"], cast["collector"], acted_on=TODAY, method="phone", outcome_code="no_one")


@pytest.mark.parametrize(("role", "loan_no", "status"), [
    ("collector", "LA002", 404),  # not their loan
    ("outsider", "LA001", 404),
    ("police_liaison", "LA003", 403),  # may see the lost-contact loan, may not record collection
    ("district_leader", "LA001", 403),  # read-only
])
def test_who_may_not_record_an_action(client_for, loans, role, loan_no, status):
    assert client_for(role).get(new_action_url(loan_no)).status_code == status
    assert post_action(client_for(role), loan_no).status_code == status
    assert not CollectionAction.objects.exists()


def test_a_settled_loan_needs_no_more_collection(client_for, loans, cast):
    Loan.objects.filter(pk=loans["LA001"].pk).update(status=LoanStatus.SETTLED)
    r = client_for("collector").get(new_action_url(), follow=True)
    assert "已结清的贷款无需再催收" in r.content.decode()
    with pytest.raises(PermissionDenied):
        services.record_action(loans["LA001"], cast["court_liaison"], acted_on=TODAY, method="visit", outcome_code="other")


# --- promises ----------------------------------------------------------------------------------------


def promise(loans, cast, *, amount="3000.00", days_ago=10, due_in=5):
    return services.record_action(
        loans["LA001"], cast["collector"], acted_on=TODAY - days_ago * DAY, method="visit", outcome_code="promised",
        signature="borrower", promise_amount=Decimal(amount), promise_date=TODAY + due_in * DAY,
    )


def status_of(action):
    action.refresh_from_db()
    return action.promise_status


def test_a_promise_is_kept_when_confirmed_repayments_reach_the_amount(loans, cast):
    p = promise(loans, cast)
    assert status_of(p) == "open"
    bank_pays(loans["LA001"], TODAY - 3 * DAY, "1000.00", "B1")
    assert status_of(p) == "open"
    bank_pays(loans["LA001"], TODAY - 2 * DAY, "2000.00", "B2")
    assert status_of(p) == "kept" and p.promise_closed_on == TODAY - 2 * DAY
    event = LoanEvent.objects.filter(loan=loans["LA001"], field="promise").get()
    assert (event.before, event.after) == ("open", "kept")


def test_an_unconfirmed_field_repayment_does_not_keep_a_promise(loans, cast):
    p = promise(loans, cast)
    services.record_repayment(loans["LA001"], cast["collector"], paid_on=TODAY - DAY, amount=Decimal("3000.00"))
    services.sweep(TODAY)
    assert status_of(p) == "open"


def test_a_promise_is_broken_by_the_sweep_the_day_after_its_date(loans, cast):
    p = promise(loans, cast, due_in=5)
    assert services.sweep(TODAY + 5 * DAY).get("promises_broken", 0) == 0
    assert status_of(p) == "open"
    assert services.sweep(TODAY + 6 * DAY)["promises_broken"] == 1
    assert status_of(p) == "broken" and p.promise_closed_on == TODAY + 6 * DAY
    assert services.sweep(TODAY + 7 * DAY).get("promises_broken", 0) == 0  # once only


def test_a_repayment_before_the_promise_or_after_its_date_does_not_keep_it(loans, cast):
    p = promise(loans, cast, days_ago=5, due_in=-1)  # promised 5 days ago to pay by yesterday
    bank_pays(loans["LA001"], TODAY - 6 * DAY, "5000.00", "BEFORE")
    bank_pays(loans["LA001"], TODAY, "5000.00", "AFTER")
    assert status_of(p) == "broken"


def test_a_late_bank_record_of_a_payment_in_time_turns_broken_into_kept(loans, cast):
    p = promise(loans, cast, days_ago=10, due_in=-2)
    services.sweep(TODAY)
    assert status_of(p) == "broken"
    bank_pays(loans["LA001"], TODAY - 3 * DAY, "3000.00", "LATE")  # paid in time, the flow arrived late
    assert status_of(p) == "kept"
    trail = list(LoanEvent.objects.filter(loan=loans["LA001"], field="promise").values_list("before", "after"))
    assert trail == [("open", "broken"), ("broken", "kept")]  # the broken event stays


def test_an_imported_ledger_promise_is_judged_by_the_sweep(loans):
    row = CollectionAction.objects.create(
        loan=loans["LA001"], acted_on=TODAY - 20 * DAY, method="phone", signature="", outcome="答应月底还",
        promise_date=TODAY - 10 * DAY, promise_amount=Decimal("800.00"),
    )
    assert row.promise_status == ""
    counts = services.sweep(TODAY)
    assert counts["promises_broken"] == 1 and status_of(row) == "broken"


def test_the_flow_page_lists_actions_and_promises(client_for, loans, cast):
    promise(loans, cast)
    page = client_for("township_admin").get(reverse("collection:flow", args=["LA001"])).content.decode()
    assert "承诺还款" in page and "3,000.00" in page and "待履行" in page
