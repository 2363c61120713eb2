"""Waiver pages: who sees what (404 outside scope), the public tiers never show a name, forms go through services."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from npl.waivers.choices import RequestStatus
from npl.waivers.models import PolicyVersion, WaiverRequest
from npl.waivers.services import request_waiver
from npl.waivers.tests.conftest import version_in_force


@pytest.fixture
def ruler(db):
    return version_in_force()


@pytest.fixture
def owing(loans):
    """LA001 (the collector's loan) with 3000 of penalty interest on the bank's figures."""
    loan = loans["LA001"]
    loan.penalty_interest = Decimal("3000.00")
    loan.save()
    return loan


def test_the_public_page_and_sheet_show_the_tiers_without_login_and_never_a_name(client, loans, ruler):
    for url in ("/waivers/public/", "/waivers/sheet/"):
        page = client.get(url).content.decode()
        assert "测试版" in page and "一般户" in page and "100%" in page
        assert "张三" not in page and "LA001" not in page


def test_the_policy_page_is_for_every_logged_in_role(client_for, ruler):
    assert client_for("court_liaison").get("/waivers/").status_code == 200
    assert client_for(None).get("/waivers/").status_code == 302


@pytest.mark.parametrize("role, status", [("collector", 200), ("branch_staff", 200), ("court_liaison", 404),
                                          ("police_liaison", 404), ("outsider", 404)])
def test_the_payoff_page_is_reached_only_within_scope(client_for, owing, ruler, role, status):
    page = client_for(role).get(f"/waivers/payoff/{owing.pk}/?as_of={timezone.localdate():%Y-%m-%d}")
    assert page.status_code == status
    if status == 200:
        body = page.content.decode()
        assert "张*" in body and "张三" not in body and "3,000.00" in body and "测试版 · 一般户" in body


def test_a_collector_posts_a_request_and_the_branch_approves_it_from_the_queue(client_for, cast, owing, ruler):
    deadline = timezone.localdate() + dt.timedelta(days=30)
    made = client_for("collector").post(f"/waivers/payoff/{owing.pk}/request/", {
        "mode": "lump_sum", "deadline": f"{deadline:%Y-%m-%d}", "reason": "一次性还本"})
    req = WaiverRequest.objects.get(loan=owing)
    assert made.status_code == 302 and req.est_total == Decimal("3000.00")
    branch = client_for("branch_staff")
    assert f"#{req.pk}" in branch.get("/waivers/requests/").content.decode()
    branch.post(f"/waivers/requests/{req.pk}/decide/", {"decision": "approve", "note": ""})
    req.refresh_from_db()
    assert (req.status, req.decided_by) == (RequestStatus.APPROVED, cast["branch_staff"])


def test_a_request_is_confidential_outside_the_loans_scope(client_for, cast, owing, ruler):
    req = request_waiver(owing, cast["collector"], deadline=timezone.localdate(), reason="x")
    assert client_for("police_liaison").get(f"/waivers/requests/{req.pk}/").status_code == 404
    assert client_for("police_liaison").post(f"/waivers/requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert client_for("township_admin").get(f"/waivers/requests/{req.pk}/").status_code == 200


def test_the_maker_sees_no_approve_button_and_a_post_is_refused(client_for, cast, owing, ruler):
    req = request_waiver(owing, cast["collector"], deadline=timezone.localdate(), reason="x")
    maker = client_for("collector")
    assert "不能审批自己提出的减免申请" in maker.get(f"/waivers/requests/{req.pk}/").content.decode()
    maker.post(f"/waivers/requests/{req.pk}/decide/", {"decision": "approve"})
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_only_the_district_admin_edits_the_table_and_only_future_versions(client_for, ruler):
    assert client_for("branch_staff").get("/waivers/manage/").status_code == 403
    admin = client_for("district_admin")
    start = timezone.localdate() + dt.timedelta(days=10)
    admin.post("/waivers/manage/", {"form": "version", "v-name": "下一版", "v-effective_from": f"{start:%Y-%m-%d}",
                                    "v-branch_limit": "80000.00", "v-copy_from": ruler.pk})
    nxt = PolicyVersion.objects.get(name="下一版")
    assert list(nxt.tiers.values_list("name", flat=True)) == ["一般户"]
    tier = nxt.tiers.get()
    admin.post(f"/waivers/manage/tiers/{tier.pk}/", {
        "name": "一般户", "category": "", "priority": 0, "penalty_share": "80", "compound_share": "100",
        "interest_share": "0", "mode": "lump_sum", "repay_by": f"{start + dt.timedelta(days=90):%Y-%m-%d}",
        "max_instalments": 1, "note": ""})
    tier.refresh_from_db()
    assert tier.penalty_share == Decimal("80.00")
    # The first new version adopted the district's own policy (a copy of the default): its copy of the version in
    # force is the district's now, and still not to be changed.
    assert nxt.district_id is not None and ruler.district_id is None
    in_force = PolicyVersion.objects.get(district=nxt.district, name=ruler.name).tiers.get()
    page = admin.post(f"/waivers/manage/tiers/{in_force.pk}/", {"delete": "1"})
    assert "已于" in page.content.decode() and in_force.version.tiers.count() == 1
    assert admin.post(f"/waivers/manage/tiers/{ruler.tiers.get().pk}/", {"delete": "1"}).status_code == 404
