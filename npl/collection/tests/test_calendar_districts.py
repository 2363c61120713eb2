"""节假日安排 per district (issue 18): a district's own calendar moves its own loans' deadlines only; the 省金融办's
default moves the loans of the districts following it; a district admin edits only their own district's."""
import datetime as dt

import pytest
from django.urls import reverse

from npl.collection.models import LoanClock
from npl.conftest import login
from npl.core import derived, tenancy
from npl.core.models import CalendarEntry, DistrictSetting

CALENDAR = reverse("collection:calendar")
D = dt.date


def enter(client, start, end="", kind="rest", name="国庆节"):
    return client.post(CALENDAR, {"start": start, "end": end, "kind": kind, "name": name, "note": ""})


@pytest.fixture
def due_on_national_day(loans, district_two):
    """LA001 (district one) and LC001 (district two) mature 2024-10-01: both periods end on Friday 2027-10-01,
    National Day of 2027 (a year the library does not hold yet)."""
    picked = {"one": loans["LA001"], "two": district_two.loans["LC001"]}
    for loan in picked.values():
        loan.maturity_date = D(2024, 10, 1)
        loan.save(update_fields=["maturity_date"])
    derived.refresh([loan.pk for loan in picked.values()])
    for loan in picked.values():
        assert stored_deadline(loan) == (D(2027, 10, 1), D(2027, 10, 1))
    return picked


def stored_deadline(loan):
    row = LoanClock.objects.get(loan=loan)
    return row.nominal_deadline, row.deadline


def test_district_twos_own_holiday_moves_its_loans_deadline_and_not_district_ones(due_on_national_day, district_two, client_for):
    two = login(district_two.cast["district_admin"])
    assert "本区沿用省级默认" in two.get(CALENDAR).content.decode()
    assert enter(two, "2027-10-01", "2027-10-07").status_code == 302
    assert stored_deadline(due_on_national_day["two"]) == (D(2027, 10, 1), D(2027, 10, 8))
    assert stored_deadline(due_on_national_day["one"]) == (D(2027, 10, 1), D(2027, 10, 1))
    assert set(CalendarEntry.objects.values_list("district_id", flat=True)) == {district_two.district.pk}
    assert "本区自定" in two.get(CALENDAR).content.decode()
    one_page = client_for("district_admin").get(CALENDAR).content.decode()
    assert "本区沿用省级默认" in one_page and "2027-10-01" not in one_page


def test_a_district_admin_cannot_delete_another_districts_entry_nor_the_default(due_on_national_day, district_two, client_for):
    default = CalendarEntry.objects.create(day=D(2027, 1, 1), kind="rest", name="元旦")
    derived.refresh(source="calendar")
    two = login(district_two.cast["district_admin"])
    enter(two, "2027-10-01")
    theirs = CalendarEntry.objects.get(district=district_two.district, day=D(2027, 10, 1))
    one = client_for("district_admin")
    for entry in (theirs, default):
        r = one.post(reverse("collection:calendar_remove", args=[entry.pk]), follow=True)
        assert r.status_code == 200
    assert "该条属于省级默认，本区不能删除" in r.content.decode()
    assert CalendarEntry.objects.filter(pk__in=[theirs.pk, default.pk]).count() == 2
    # The default's entries are listed for a district following it, without a delete button.
    assert reverse("collection:calendar_remove", args=[default.pk]) not in one.get(CALENDAR).content.decode()


def test_a_district_admins_first_entry_copies_the_default_and_leaves_it_alone(due_on_national_day, district_two):
    CalendarEntry.objects.create(day=D(2027, 1, 1), kind="rest", name="元旦", note="省定")
    derived.refresh(source="calendar")
    enter(login(district_two.cast["district_admin"]), "2027-10-01", "2027-10-07")
    own = CalendarEntry.objects.filter(district=district_two.district)
    assert own.count() == 8 and own.filter(day=D(2027, 1, 1), note="省定").exists()
    assert list(CalendarEntry.objects.filter(district__isnull=True).values_list("day", flat=True)) == [D(2027, 1, 1)]


def test_the_province_default_moves_the_loans_of_districts_that_follow_it_only(due_on_national_day, district_two, province_finance):
    DistrictSetting.objects.create(district=district_two.district, kind="calendar")  # district two keeps its own (empty)
    province = login(province_finance)
    page = province.get(CALENDAR).content.decode()
    assert "省级默认" in page and "目前 1 个" in page
    assert enter(province, "2027-10-01", "2027-10-07").status_code == 302
    assert CalendarEntry.objects.filter(district__isnull=True).count() == 7
    assert stored_deadline(due_on_national_day["one"]) == (D(2027, 10, 1), D(2027, 10, 8))
    assert stored_deadline(due_on_national_day["two"]) == (D(2027, 10, 1), D(2027, 10, 1))


def test_restoring_the_default_drops_the_districts_own_days_and_its_loans_follow_the_default(due_on_national_day, district_two):
    two = login(district_two.cast["district_admin"])
    enter(two, "2027-10-01", "2027-10-07")
    r = two.post(reverse("core:settings_restore", args=["calendar"]), {"next": CALENDAR})
    assert r.status_code == 302 and r["Location"] == CALENDAR
    assert not CalendarEntry.objects.exists() and tenancy.owner("calendar", district_two.district.pk) is None
    assert stored_deadline(due_on_national_day["two"]) == (D(2027, 10, 1), D(2027, 10, 1))


def test_adopting_copies_the_default_and_changes_no_deadline(due_on_national_day, district_two):
    for day in range(1, 8):
        CalendarEntry.objects.create(day=D(2027, 10, day), kind="rest", name="国庆节")
    derived.refresh(source="calendar")
    two = login(district_two.cast["district_admin"])
    assert two.post(reverse("core:settings_adopt", args=["calendar"]), {"next": CALENDAR}).status_code == 302
    assert CalendarEntry.objects.filter(district=district_two.district).count() == 7
    assert tenancy.owner("calendar", district_two.district.pk) == district_two.district.pk
    assert stored_deadline(due_on_national_day["two"]) == (D(2027, 10, 1), D(2027, 10, 8))


@pytest.mark.parametrize("role", ["district_leader", "township_admin", "collector"])
def test_other_roles_and_the_city_may_not_open_or_change_any_calendar(district_two, role):
    for client in (login(district_two.cast[role]), login(district_two.city_finance)):
        assert client.get(CALENDAR).status_code == 403
        assert enter(client, "2027-10-01").status_code == 403
        assert client.post(reverse("core:settings_adopt", args=["calendar"])).status_code == 403
    assert not CalendarEntry.objects.exists() and not DistrictSetting.objects.exists()


def test_the_province_has_no_default_to_restore(province_finance):
    r = login(province_finance).post(reverse("core:settings_restore", args=["calendar"]))
    assert r.status_code == 403
