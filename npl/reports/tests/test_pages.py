"""Bulletin pages: who sees drafts and published bulletins, downloads, publishing through the service."""
import datetime as dt

import pytest
from django.urls import reverse

from npl.reports.models import Bulletin
from npl.reports.services import backfill, publish_bulletin
from npl.reports.tests.conftest import repay

WEEK = {"week": "2026-W15"}


@pytest.fixture
def snapshots(campaign, loans):
    repay(loans["LA001"], dt.date(2026, 4, 7), "43000.00")
    backfill(dt.date(2026, 3, 31), dt.date(2026, 4, 12))
    return campaign


@pytest.mark.parametrize("role", ["district_admin", "district_leader"])
def test_district_roles_see_the_draft_with_its_table_and_charts(snapshots, client_for, role):
    page = client_for(role).get(reverse("reports:weekly"), WEEK).content.decode()
    assert "2026年第15周（4月6日—4月12日）" in page and "草稿" in page
    assert "柳溪镇" in page and "桃源乡" in page and "chart-ranking.svg" in page
    assert ("发布（发布后不可更改）" in page) == (role == "district_admin")


@pytest.mark.parametrize("role", ["collector", "branch_staff", "court_liaison", "police_liaison", "discipline_liaison", "outsider"])
def test_other_roles_get_a_404_for_every_bulletin_page(snapshots, client_for, role):
    c = client_for(role)
    for url in (reverse("reports:index"), reverse("reports:weekly"), reverse("reports:download", args=["weekly", "docx"]),
                reverse("reports:chart", args=["weekly", "ranking"])):
        assert c.get(url, WEEK).status_code == 404
    assert c.post(reverse("reports:publish", args=["weekly"]), WEEK).status_code == 404


def test_a_township_admin_sees_published_bulletins_but_no_drafts(snapshots, client_for, cast):
    c = client_for("township_admin")
    assert "本期通报尚未发布" in c.get(reverse("reports:weekly"), WEEK).content.decode()
    assert c.get(reverse("reports:download", args=["weekly", "xlsx"]), WEEK).status_code == 404
    publish_bulletin(cast["district_admin"], "weekly", snapshots, dt.date(2026, 4, 6))
    page = c.get(reverse("reports:weekly"), WEEK).content.decode()
    assert "已发布" in page and "桃源乡" in page and "发布（发布后不可更改）" not in page
    assert "2026年第15周" in c.get(reverse("reports:index")).content.decode()
    assert c.get(reverse("reports:download", args=["weekly", "xlsx"]), WEEK).status_code == 200


def test_the_district_admin_publishes_from_the_page_and_the_download_is_then_the_frozen_file(snapshots, client_for, loans):
    c = client_for("district_admin")
    resp = c.post(reverse("reports:publish", args=["weekly"]), {**WEEK, "campaign": snapshots.pk})
    assert resp.status_code == 302
    b = Bulletin.objects.get()
    assert (b.kind, b.period_start, b.published_by.username) == ("weekly", dt.date(2026, 4, 6), "qu_admin")
    repay(loans["LB001"], dt.date(2026, 4, 8), "99999.00")
    got = c.get(reverse("reports:download", args=["weekly", "docx"]), WEEK)
    assert got.content == bytes(b.docx) and "attachment" in got["Content-Disposition"]
    again = c.post(reverse("reports:publish", args=["weekly"]), WEEK, follow=True)
    assert "本期通报已发布" in again.content.decode()


def test_the_leader_cannot_publish_and_is_told_the_page_does_not_exist(snapshots, client_for):
    assert client_for("district_leader").post(reverse("reports:publish", args=["weekly"]), WEEK).status_code == 404
    assert not Bulletin.objects.exists()


def test_a_day_without_its_snapshot_says_which_command_to_run(snapshots, client_for):
    page = client_for("district_admin").get(reverse("reports:daily"), {"date": "2026-04-20"}).content.decode()
    assert "npl bulletin snapshot --date 2026-04-20" in page


def test_an_unreadable_week_is_named_in_the_message(snapshots, client_for):
    page = client_for("district_admin").get(reverse("reports:weekly"), {"week": "第15周"}).content.decode()
    assert "周次“第15周”无法识别" in page


def test_the_svg_chart_is_served_for_the_page(snapshots, client_for):
    resp = client_for("district_admin").get(reverse("reports:chart", args=["weekly", "ranking"]), WEEK)
    assert resp["Content-Type"] == "image/svg+xml" and "柳溪镇" in resp.content.decode()
