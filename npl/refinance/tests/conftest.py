"""Refinancing fixtures. Until npl.refinance is in INSTALLED_APPS these tests are not collected."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from npl import testing
from npl.accounts.choices import Role

if "npl.refinance" not in settings.INSTALLED_APPS:  # pragma: no cover - the app is being wired in
    collect_ignore_glob = ["test_*.py"]

SH = ZoneInfo("Asia/Shanghai")


def at(day: str, hm: str = "09:00") -> dt.datetime:
    """An aware moment in Asia/Shanghai: at("2026-03-02", "09:30")."""
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SH)


@pytest.fixture
def village_staff(units):
    """Staff of 桃源支行 (branch B), which also serves 柳溪镇 and holds LA003."""
    return testing.user("taoyuan_branch", Role.BRANCH_STAFF, branch_=units.branch_b)
