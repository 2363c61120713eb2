"""Campaign pages: ranked per-township table for the district, a township admin's own township only."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from npl.campaigns.models import Campaign, TaskReduction
from npl.campaigns.services import create_campaign
from npl.categories.tests.conftest import repay

AS_OF = "?as_of=2026-09-30"


@pytest.fixture
def campaign(loans):
    repay(loans["LB001"], dt.date(2026, 5, 1), "600000.00")
    return create_campaign("攻坚行动", dt.date(2026, 3, 31))


def test_the_district_sees_townships_ranked_by_recovery_rate(client_for, campaign):
    page = client_for("district_admin").get(f"/campaigns/{campaign.pk}/{AS_OF}")
    assert page.status_code == 200
    assert [name for name, _, _ in page.context["rows"]] == ["桃源乡", "柳溪镇"]
    assert page.context["total"]["task_count"] == 5


def test_a_township_admin_sees_their_township_by_community_and_not_another(client_for, campaign, units):
    c = client_for("township_admin")
    page = c.get(f"/campaigns/{campaign.pk}/{AS_OF}")
    assert page.context["scope"].label == "柳溪镇" and page.context["group"] == "community"
    assert page.context["total"]["task_count"] == 3
    assert {name for name, _, _ in page.context["rows"]} == {"东村", "未分社区/村"}
    assert c.get(f"/campaigns/{campaign.pk}/{AS_OF}&township={units.town_b.pk}").status_code == 404
    assert c.get(f"/campaigns/{campaign.pk}/export.xlsx{AS_OF}").content[:2] == b"PK"


def test_the_discipline_liaison_has_no_campaign_pages(client_for, campaign):
    assert client_for("discipline_liaison").get(f"/campaigns/{campaign.pk}/").status_code == 403


def test_a_township_admin_requests_a_reduction_with_evidence_and_the_district_admin_approves(client_for, campaign, loans):
    resp = client_for("township_admin").post(
        f"/campaigns/{campaign.pk}/reductions/new/",
        {"loan_no": "LA002", "reason": "借款人起诉银行，待判决", "evidence": SimpleUploadedFile("证明.pdf", b"%PDF-1.4")},
    )
    assert resp.status_code == 302
    red = TaskReduction.objects.get()
    assert red.status == "pending" and red.evidence
    assert client_for("township_admin").post(f"/campaigns/{campaign.pk}/reductions/", {"reduction": red.pk, "decision": "approve"}).status_code == 403
    client_for("district_admin").post(f"/campaigns/{campaign.pk}/reductions/", {"reduction": red.pk, "decision": "approve"})
    red.refresh_from_db()
    assert red.status == "approved"


def test_only_the_district_admin_creates_campaigns(client_for, units):
    assert client_for("township_admin").get("/campaigns/new/").status_code == 403
    resp = client_for("district_admin").post("/campaigns/new/", {"name": "百日攻坚", "baseline": "2026-03-31"})
    assert resp.status_code == 302 and Campaign.objects.filter(name="百日攻坚").exists()
