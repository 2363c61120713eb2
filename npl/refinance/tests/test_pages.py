"""Refinancing pages: the township's form, the branch's queue and steps, the printout, the district's table."""
import pytest
from django.urls import reverse

from npl.refinance import services
from npl.refinance.models import RefinanceRequest
from npl.refinance.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(loans, cast):
    return services.request_refinance(loans["LA001"], cast["township_admin"], kind="transfer", reason="转贷续期",
                                      township_agreed=True, at=at("2026-03-02", "09:00"))


def test_the_township_admin_asks_through_the_form_and_must_confirm_agreement(loans, client_for):
    admin = client_for("township_admin")
    url = reverse("refinance:new")
    assert admin.get(url, {"loan": "LA001"}).context["form"]["loan_no"].value() == "LA001"
    resp = admin.post(url, {"loan_no": "LA001", "kind": "renew", "reason": "续贷", "amount": "50,000"})
    assert resp.status_code == 200 and "请确认乡镇同意" in resp.content.decode()
    resp = admin.post(url, {"loan_no": "LB001", "kind": "renew", "reason": "续贷", "township_agreed": "on"})
    assert "借据号不存在或不在您的管辖范围内" in resp.content.decode(), "another township's loan is not confirmed to exist"
    resp = admin.post(url, {"loan_no": "LA001", "kind": "renew", "reason": "续贷", "amount": "50,000", "township_agreed": "on"})
    req = RefinanceRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("refinance:detail", args=[req.pk])
    assert str(req.amount) == "50000.00" and req.township_agreed


@pytest.mark.parametrize("role", ["branch_staff", "district_admin", "collector"])
def test_other_roles_do_not_get_the_request_form(loans, client_for, role):
    assert client_for(role).get(reverse("refinance:new")).status_code == 403


def test_the_branch_sees_its_queue_and_takes_the_steps_on_the_page(asked, client_for):
    staff = client_for("branch_staff")
    queue = staff.get(reverse("refinance:list"))
    assert [r.pk for r, _ in queue.context["open_rows"]] == [asked.pk]
    detail = staff.get(reverse("refinance:detail", args=[asked.pk]))
    assert [v for v, _ in detail.context["buttons"]] == ["received"]
    for step, extra in [("received", {}), ("documents_complete", {}), ("approved", {}), ("disbursed", {"new_loan_no": "LA001-2026"})]:
        asked.refresh_from_db()
        resp = staff.post(reverse("refinance:step", args=[asked.pk]), {"step": step, "version": asked.version, **extra})
        assert resp.status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.new_loan_no) == ("disbursed", "LA001-2026")
    page = staff.get(reverse("refinance:detail", args=[asked.pk]))
    assert page.context["total_hours"] is not None and page.context["buttons"] == []


def test_a_refused_step_shows_its_reason(asked, client_for):
    resp = client_for("branch_staff").post(reverse("refinance:step", args=[asked.pk]), {"step": "approved", "version": asked.version}, follow=True)
    assert "不能办理“审批通过”" in resp.content.decode()


def test_the_township_admin_cannot_take_a_branch_step_and_others_do_not_see_the_request(asked, client_for, village_staff):
    assert client_for("township_admin").post(reverse("refinance:step", args=[asked.pk]),
                                             {"step": "received", "version": asked.version}).status_code == 403
    from django.test import Client

    other = Client()
    other.force_login(village_staff, backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(reverse("refinance:detail", args=[asked.pk])).status_code == 404
    assert other.post(reverse("refinance:step", args=[asked.pk]), {"step": "received", "version": 1}).status_code == 404
    assert client_for("court_liaison").get(reverse("refinance:detail", args=[asked.pk])).status_code == 403


def test_the_printout_carries_the_platforms_record_of_the_townships_agreement(asked, client_for):
    html = client_for("branch_staff").get(reverse("refinance:print", args=[asked.pk])).content.decode()
    assert "无需加盖乡镇纸质公章" in html and "liuxi_admin" in html and "2026-03-02 09:00" in html


def test_the_district_sees_the_timing_table_others_do_not(asked, cast, client_for):
    staff = cast["branch_staff"]
    services.take_step(asked, staff, "received", at=at("2026-03-02", "10:00"))
    services.take_step(asked, staff, "documents_complete", at=at("2026-03-02", "11:00"))
    services.take_step(asked, staff, "approved", at=at("2026-03-02", "12:00"))
    services.take_step(asked, staff, "disbursed", new_loan_no="N1", at=at("2026-03-02", "15:00"))
    resp = client_for("district_leader").get(reverse("refinance:timing"))
    (row,) = resp.context["rows"]
    assert (row.branch, row.disbursed, str(row.mean_hours)) == ("柳溪支行", 1, "6.0")
    for role in ("township_admin", "branch_staff"):
        assert client_for(role).get(reverse("refinance:timing")).status_code == 403
