"""日调度 and 周通报 from the snapshots: ranking, laggards, change since the last bulletin, publishing frozen."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from npl.reports.bulletins import BulletinUnavailable, build, content_for
from npl.reports.models import Bulletin
from npl.reports.services import backfill, publish_bulletin, take_snapshot
from npl.reports.tests.conftest import act, repay

D = dt.date
W14 = D(2026, 4, 1)  # 2026-W14: Monday 30 March – Sunday 5 April (the baseline, 31 March, inside)
W15 = D(2026, 4, 8)  # 2026-W15: 6–12 April


def row(content, town):
    return next(r for r in content["rows"] if r["township"] == town)


@pytest.fixture
def two_weeks(campaign, loans):
    """桃源乡 collects 200,000 in W14 (16% of 1,250,000); 柳溪镇 43,000 in W15 (10% of 430,000) plus 2,000 in W14."""
    repay(loans["LB001"], D(2026, 4, 2), "200000.00")
    repay(loans["LA001"], D(2026, 4, 3), "2000.00")
    act(loans["LA001"], D(2026, 4, 7), promise=D(2026, 4, 9))
    repay(loans["LA002"], D(2026, 4, 9), "41000.00")
    act(loans["LA002"], D(2026, 4, 9))
    backfill(D(2026, 3, 31), D(2026, 4, 12))
    return campaign


def test_a_weekly_bulletin_ranks_townships_by_rate_and_flags_the_last(two_weeks):
    c = build("weekly", two_weeks, W14)
    assert (c["period_start"], c["period_end"], c["as_of"], c["complete"]) == ("2026-03-30", "2026-04-05", "2026-04-05", True)
    assert [(r["township"], r["rank"], r["rate"]) for r in c["rows"]] == [("桃源乡", 1, "16.00"), ("柳溪镇", 2, "0.47")]
    assert c["total"]["rate"] == "12.02"  # 202,000 / 1,680,000
    a = row(c, "柳溪镇")
    assert a["laggard"] and "排名末位" in a["laggard_reason"] and "低于全区11.55个百分点" in a["laggard_reason"]
    assert not row(c, "桃源乡")["laggard"]
    assert any("柳溪镇（清收率0.47%" in t for t in c["texts"])


def test_the_week_collects_the_difference_from_the_previous_weeks_last_snapshot(two_weeks):
    c = build("weekly", two_weeks, W15)
    assert c["base_day"] == "2026-04-05"
    a, b = row(c, "柳溪镇"), row(c, "桃源乡")
    assert (a["collected_period"], a["collected_amount"], a["rate"]) == ("41000.00", "43000.00", "10.00")
    assert (b["collected_period"], b["collected_amount"]) == ("0.00", "200000.00")
    assert (a["actions"], a["promises_due"]) == (2, 1)  # 7 and 9 April; the promise of 9 April was not kept
    assert c["total"]["collected_period"] == "41000.00"


def test_rank_and_rate_change_compare_with_the_last_published_bulletin(two_weeks, cast):
    publish_bulletin(cast["district_admin"], "weekly", two_weeks, W14)
    repay_after = build("weekly", two_weeks, W15)
    assert repay_after["compared_with"] == "上期通报（2026年第14周（3月30日—4月5日））"
    a = row(repay_after, "柳溪镇")
    assert (a["rank"], a["rank_change"], a["rate_change"]) == (2, 0, "9.53")


def test_without_a_published_bulletin_the_change_is_against_the_previous_snapshot(two_weeks):
    c = build("daily", two_weeks, D(2026, 4, 9))
    assert c["compared_with"] == "4月8日快照" and c["base_day"] == "2026-04-08"
    assert row(c, "柳溪镇")["collected_period"] == "41000.00"
    assert row(c, "柳溪镇")["rate_change"] == "9.53"


def test_a_daily_bulletin_needs_its_days_snapshot(campaign):
    with pytest.raises(BulletinUnavailable, match="npl bulletin snapshot --date 2026-04-02"):
        build("daily", campaign, D(2026, 4, 2))


def test_a_published_bulletin_is_frozen_while_later_data_moves_only_days_not_yet_taken(two_weeks, cast, loans):
    b = publish_bulletin(cast["district_admin"], "weekly", two_weeks, W15)
    frozen = (b.content, bytes(b.docx), bytes(b.xlsx))
    repay(loans["LB002"], D(2026, 4, 8), "50000.00")  # a repayment dated in that week arrives later
    take_snapshot(D(2026, 4, 13))
    b.refresh_from_db()
    assert (b.content, bytes(b.docx), bytes(b.xlsx)) == frozen
    assert content_for("weekly", two_weeks, W15) == frozen[0]
    # A fresh draft of that week reads the same snapshots: unchanged too.
    assert row(build("weekly", two_weeks, W15), "桃源乡")["collected_amount"] == "200000.00"
    # The first day not yet taken when the repayment arrived carries it into the next week's figures.
    w16 = build("weekly", two_weeks, D(2026, 4, 13))
    assert row(w16, "桃源乡")["collected_amount"] == "250000.00" and row(w16, "桃源乡")["collected_period"] == "50000.00"


def test_only_the_district_admin_publishes_and_only_once_and_only_a_finished_period(two_weeks, cast):
    for role in ("district_leader", "township_admin", "collector"):
        with pytest.raises(PermissionDenied):
            publish_bulletin(cast[role], "weekly", two_weeks, W14)
    publish_bulletin(cast["district_admin"], "weekly", two_weeks, W14)
    with pytest.raises(ValidationError, match="已发布"):
        publish_bulletin(cast["district_admin"], "weekly", two_weeks, W14)
    take_snapshot(D(2026, 4, 13))
    with pytest.raises(ValidationError, match="尚未结束"):
        publish_bulletin(cast["district_admin"], "weekly", two_weeks, D(2026, 4, 13))
    assert Bulletin.objects.count() == 1
