"""大额抵押门槛 per district (issue 18): a district's own threshold changes its own loans' membership only; the
省金融办's default reaches the districts following it; a district admin edits only their own district's."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from npl import testing
from npl.categories import services
from npl.categories.models import Membership, ThresholdChange
from npl.categories.reports import category_figures
from npl.conftest import login
from npl.core import tenancy
from npl.core.models import Setting
from npl.loans.models import Loan

THRESHOLD = reverse("categories:threshold")


@pytest.fixture
def mortgages(units, district_two):
    """A mortgage of 1,000,500 元 in each district: both above the default threshold (1,000,000 元)."""
    return {
        "one": testing.loan("LM001", testing.borrower(30, "孙七"), units.town_a, units.branch_a, balance="1000500.00", guarantee="抵押"),
        "two": testing.loan("LM002", testing.borrower(31, "李八"), district_two.town, district_two.branch,
                            balance="1000500.00", guarantee="抵押"),
    }


def large(loan) -> bool:
    return Membership.objects.filter(loan=loan, code="large_mortgage").exists()


def figure(district, *, day=None) -> int:
    """The 大额抵押 count of one district's loans, by the engine's SQL (not the stored rows)."""
    loans = Loan.objects.filter(township__district=district)
    return category_figures(loans, day or timezone.localdate(), ["large_mortgage"], stored_today=False)["large_mortgage"]["count"]


def test_district_twos_own_threshold_takes_its_mortgage_out_and_leaves_district_ones(mortgages, district_two):
    assert large(mortgages["one"]) and large(mortgages["two"])
    two = login(district_two.cast["district_admin"])
    assert "本区沿用省级默认" in two.get(THRESHOLD).content.decode()
    assert two.post(THRESHOLD, {"value": "2000000"}).status_code == 302
    assert not large(mortgages["two"]) and large(mortgages["one"])
    assert (figure(district_two.district), figure(district_two.first)) == (0, 1)
    assert services.threshold_on(timezone.localdate(), district_two.district.pk) == Decimal("2000000.00")
    assert services.threshold_on(timezone.localdate(), district_two.first.pk) == Decimal("1000000.00")
    assert Setting.get_decimal("large_mortgage_threshold") == Decimal("1000000")  # the province default unchanged
    page = two.get(THRESHOLD).content.decode()
    assert "本区自定" in page and "2000000" in page


def test_the_province_default_reaches_the_districts_following_it_only(mortgages, district_two, province_finance):
    services.set_threshold("2000000", district_two.cast["district_admin"])  # district two keeps its own
    province = login(province_finance)
    assert "省级默认" in province.get(THRESHOLD).content.decode()
    assert province.post(THRESHOLD, {"value": "1000600"}).status_code == 302
    assert not large(mortgages["one"])  # district one follows the default: 1,000,500 < 1,000,600
    services.set_threshold("1000000", district_two.cast["district_admin"])
    assert large(mortgages["two"]) and not large(mortgages["one"])
    assert (figure(district_two.district), figure(district_two.first)) == (1, 0)


def test_adopting_keeps_the_default_value_until_the_district_changes_it(mortgages, district_two, province_finance):
    two = district_two.cast["district_admin"]
    r = login(two).post(reverse("core:settings_adopt", args=["threshold"]), {"next": THRESHOLD})
    assert r.status_code == 302
    base = ThresholdChange.objects.get(district=district_two.district)
    assert base.is_base and base.value == Decimal("1000000.00")
    services.set_threshold("1000600", province_finance)  # the default moves; district two has its own now
    assert large(mortgages["two"]) and not large(mortgages["one"])
    assert "采用本区设置时沿用省级默认" in login(two).get(THRESHOLD).content.decode()


def test_restoring_the_default_puts_the_district_back_on_the_provinces_threshold(mortgages, district_two):
    two = district_two.cast["district_admin"]
    services.set_threshold("2000000", two)
    assert tenancy.restore_default(two, "threshold")
    assert not ThresholdChange.objects.filter(district=district_two.district).exists()
    assert large(mortgages["two"])


def test_a_district_admin_changes_neither_another_districts_threshold_nor_the_default(mortgages, district_two, cast):
    services.set_threshold("2000000", cast["district_admin"])  # district one's own
    assert not large(mortgages["one"]) and large(mortgages["two"])
    assert not ThresholdChange.objects.filter(district__isnull=True).exists()
    assert services.threshold_on(timezone.localdate()) == Decimal("1000000.00")


@pytest.mark.parametrize("who", ["city_finance", "district_leader", "township_admin"])
def test_others_see_the_threshold_but_may_not_change_it(mortgages, district_two, who):
    user = district_two.city_finance if who == "city_finance" else district_two.cast[who]
    client = login(user)
    assert client.get(THRESHOLD).status_code == 200
    assert client.post(THRESHOLD, {"value": "2000000"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.set_threshold("2000000", user)
    assert not ThresholdChange.objects.exists() and large(mortgages["two"])
