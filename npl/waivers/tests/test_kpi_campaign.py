"""A waiver marked 不计入考核 takes its loan out of the campaign figures while it stands, and only then."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from npl.campaigns.figures import campaign_figures
from npl.campaigns.services import create_campaign
from npl.waivers.services import decide_waiver, request_waiver, void_waiver
from npl.waivers.tests.conftest import SNAPSHOT, version_in_force

D = Decimal


@pytest.fixture
def setting(make_loan, cast, db):
    today = timezone.localdate()
    version_in_force()
    flagged = make_loan("K1", balance="100000.00", rate=None, penalty="3000", collector=cast["collector"])
    kept = make_loan("K2", balance="50000.00", rate=None, penalty="1000", collector=cast["collector"])
    campaign = create_campaign("测试行动", SNAPSHOT)
    return today, campaign, flagged, kept


def _task(campaign, day):
    f = campaign_figures(campaign, day)[None]
    return f["task_count"], f["task_amount"]


def test_the_flagged_loan_leaves_task_from_approval_and_returns_when_voided(setting, cast):
    today, campaign, flagged, kept = setting
    req = request_waiver(flagged, cast["collector"], deadline=today + dt.timedelta(days=30), reason="低保户一次性还本",
                         exclude_from_kpi=True)
    assert _task(campaign, today) == (2, D("150000.00"))  # asked, not approved: still counted
    decide_waiver(req, cast["branch_staff"], approve=True)
    assert _task(campaign, today) == (1, D("50000.00"))
    assert _task(campaign, today - dt.timedelta(days=1)) == (2, D("150000.00"))  # the day before approval is unchanged
    void_waiver(req, cast["branch_staff"], reason="借款人违约")
    assert _task(campaign, today) == (2, D("150000.00"))


def test_an_unflagged_waiver_changes_no_figure(setting, cast):
    today, campaign, flagged, kept = setting
    req = request_waiver(kept, cast["collector"], deadline=today + dt.timedelta(days=30), reason="一次性还本")
    decide_waiver(req, cast["branch_staff"], approve=True)
    assert _task(campaign, today) == (2, D("150000.00"))


def test_the_daily_sweep_command_voids_a_waiver_whose_deadline_passed_short(setting, cast):
    import io
    import json

    from django.core.management import call_command

    from npl.waivers.choices import RequestStatus

    today, campaign, flagged, kept = setting
    req = request_waiver(flagged, cast["collector"], deadline=today + dt.timedelta(days=3), reason="一次性还本")
    decide_waiver(req, cast["branch_staff"], approve=True)
    out = io.StringIO()
    call_command("collection", "sweep", "--date", (today + dt.timedelta(days=4)).isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    req.refresh_from_db()
    assert (data["waivers_voided"], data["waivers_applied"], req.status) == (1, 0, RequestStatus.VOIDED)
