"""减免政策 per district (issue 18): a district's own policy versions give its own loans' payoffs only; the 省金融办's
default applies to the districts following it; a district admin edits only their own district's versions."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from npl import testing
from npl.conftest import login
from npl.core import tenancy
from npl.waivers import services
from npl.waivers.models import PolicyTier, PolicyVersion
from npl.waivers.payoff import compute_payoff
from npl.waivers.tests.conftest import SNAPSHOT

DAY = dt.date(2026, 4, 10)
FIXED = {"rate": None, "maturity": SNAPSHOT, "on": "1000", "off": "2000", "penalty": "3000", "compound": "400"}
NEXT_YEAR = dt.date(2027, 1, 1)


@pytest.fixture
def both(make_loan, district_two):
    """The same figures in each district: the default policy's 一般户 waives half of penalty and compound, 1,700 元."""
    one = make_loan("W1", **FIXED)
    two = testing.loan("W2", testing.borrower(140, "钱七"), district_two.town, district_two.branch, balance="100000.00",
                       as_of=SNAPSHOT, maturity=SNAPSHOT, rate=None, interest_on=D("1000"), interest_off=D("2000"),
                       penalty_interest=D("3000"), compound_interest=D("400"))
    return one, two


def tier_values(**over):
    values = {"name": "一般户", "category": "", "priority": 0, "penalty_share": D("100"), "compound_share": D("100"),
              "interest_share": D("0"), "mode": "lump_sum", "repay_by": dt.date(2027, 12, 31), "max_instalments": 1, "note": ""}
    return values | over


def test_district_twos_own_version_gives_its_loans_payoff_and_not_district_ones(both, district_two):
    one, two = both
    admin_two = district_two.cast["district_admin"]
    v = services.create_version(admin_two, name="东川区2027年版", effective_from=NEXT_YEAR, branch_limit=D("50000.00"))
    services.save_tier(admin_two, v, tier_values())
    assert v.district == district_two.district and tenancy.owner("waivers", district_two.district.pk) == district_two.district.pk
    # Adopting copied the default: before the district's own version, its payoff is the default's.
    assert compute_payoff(two, DAY).waivable == compute_payoff(one, DAY).waivable == D("1700.00")
    later = dt.date(2027, 1, 2)
    p_two, p_one = compute_payoff(two, later), compute_payoff(one, later)
    assert p_two.policy.startswith("东川区2027年版 · 一般户") and p_two.waivable > p_one.waivable
    assert "东川区" not in p_one.policy  # the default's 2026 tiers ended on 2026-12-31
    assert not PolicyVersion.objects.filter(district__isnull=True, name="东川区2027年版").exists()


def test_the_province_default_applies_to_the_districts_following_it(both, district_two, province_finance):
    one, two = both
    tenancy.adopt(district_two.district.pk, "waivers")
    v = services.create_version(province_finance, name="省2027年版", effective_from=NEXT_YEAR, branch_limit=D("50000.00"))
    services.save_tier(province_finance, v, tier_values())
    assert v.district is None
    later = dt.date(2027, 1, 2)
    assert compute_payoff(one, later).policy.startswith("省2027年版")
    assert "省2027年版" not in compute_payoff(two, later).policy


def test_a_district_admin_edits_neither_the_default_nor_another_districts_versions(district_two, cast):
    admin_one, admin_two = cast["district_admin"], district_two.cast["district_admin"]
    theirs = services.create_version(admin_two, name="东川区2027年版", effective_from=NEXT_YEAR, branch_limit=D("50000.00"))
    default = PolicyVersion.objects.create(name="省2027年版", effective_from=NEXT_YEAR)
    with pytest.raises(ValidationError, match="省级默认的减免政策，本区不能修改"):
        services.save_tier(admin_one, default, tier_values())
    with pytest.raises(PermissionDenied):
        services.save_tier(admin_one, theirs, tier_values())
    client = login(admin_one)
    assert client.get(reverse("waivers:manage_version", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("waivers:manage")).content.decode()
    assert "本区沿用省级默认" in page and "东川区2027年版" not in page
    assert not PolicyTier.objects.filter(version__in=[theirs, default]).exists()


def test_the_public_page_shows_a_districts_own_policy_when_asked(district_two):
    tenancy.adopt(district_two.district.pk, "waivers")
    PolicyVersion.objects.filter(district=district_two.district, name="2026年第1版").update(name="东川区2026年版")
    public = reverse("waivers:public")
    page = login(district_two.cast["collector"]).get(public, {"district": district_two.district.pk}).content.decode()
    assert "东川区不良贷款减免政策公示" in page and "东川区2026年版" in page
    page = login(district_two.cast["collector"]).get(public).content.decode()
    assert "东川区2026年版" not in page and "2026年第1版" in page
    assert "本区自定" in login(district_two.cast["collector"]).get(reverse("waivers:policy")).content.decode()


def test_restoring_the_default_drops_the_districts_versions(district_two):
    admin_two = district_two.cast["district_admin"]
    services.create_version(admin_two, name="东川区2027年版", effective_from=NEXT_YEAR, branch_limit=D("50000.00"))
    r = login(admin_two).post(reverse("core:settings_restore", args=["waivers"]), {"next": reverse("waivers:manage")})
    assert r.status_code == 302
    assert not PolicyVersion.objects.filter(district=district_two.district).exists()


@pytest.mark.parametrize("role", ["district_leader", "township_admin"])
def test_other_roles_may_not_manage_any_policy(district_two, role):
    user = district_two.cast[role]
    assert login(user).get(reverse("waivers:manage")).status_code == 403
    assert login(district_two.city_finance).get(reverse("waivers:manage")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.create_version(user, name="x", effective_from=NEXT_YEAR, branch_limit=D("1"))
