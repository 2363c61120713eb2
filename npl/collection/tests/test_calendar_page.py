"""节假日安排: the district admin enters a year the library lacks; the clocks read it at once; others may not."""
import datetime as dt

import pytest
from django.urls import reverse

from npl.collection.clocks import clocks_report
from npl.core.models import CalendarEntry

CALENDAR = reverse("collection:calendar")
D = dt.date


def enter(client, start, end="", kind="rest", name="国庆节", note="国务院办公厅关于2027年部分节假日安排的通知"):
    return client.post(CALENDAR, {"start": start, "end": end, "kind": kind, "name": name, "note": note})


def test_the_district_admin_enters_a_stretch_of_days_and_a_tiaoxiu_day(client_for, cast):
    admin = client_for("district_admin")
    assert enter(admin, "2027-10-01", "2027-10-07").status_code == 302
    assert enter(admin, "2027-10-09", kind="work", name="").status_code == 302
    rows = list(CalendarEntry.objects.values_list("day", "kind", "name", "updated_by__username"))
    assert len(rows) == 8 and rows[0] == (D(2027, 10, 1), "rest", "国庆节", "qu_admin")
    assert rows[-1] == (D(2027, 10, 9), "work", "", "qu_admin")
    text = admin.get(CALENDAR).content.decode()
    assert "2027年" in text and "本区录入 8 条" in text and "2027-10-09" in text


def test_a_rest_day_without_its_holidays_name_or_a_backward_range_is_refused_in_chinese(client_for, cast):
    admin = client_for("district_admin")
    r = enter(admin, "2027-10-01", name="")
    assert r.status_code == 200 and "请填写节日名称" in r.content.decode()
    r = enter(admin, "2027-10-07", "2027-10-01")
    assert "结束日期不能早于开始日期" in r.content.decode()
    assert not CalendarEntry.objects.exists()


def test_an_entry_is_deleted_by_the_district_admin(client_for, cast):
    admin = client_for("district_admin")
    enter(admin, "2027-01-01")
    entry = CalendarEntry.objects.get()
    assert admin.post(reverse("collection:calendar_remove", args=[entry.pk])).status_code == 302
    assert not CalendarEntry.objects.exists()


@pytest.mark.parametrize("role", ["district_leader", "township_admin", "collector", "branch_staff", "court_liaison"])
def test_only_the_district_admin_may_open_or_change_the_table(client_for, cast, role):
    entry = CalendarEntry.objects.create(day=D(2027, 1, 1), kind="rest", name="元旦")
    client = client_for(role)
    assert client.get(CALENDAR).status_code == 403
    assert enter(client, "2027-10-01").status_code == 403
    assert client.post(reverse("collection:calendar_remove", args=[entry.pk])).status_code == 403
    assert CalendarEntry.objects.count() == 1


def test_the_clocks_read_the_entered_schedule_at_once(loans):
    # LA003 matures 2024-10-01 in this test: its period ends on Friday 2027-10-01, National Day of 2027.
    loan = loans["LA003"]
    loan.maturity_date = D(2024, 10, 1)
    loan.save(update_fields=["maturity_date"])

    def row():
        return next(r for r in clocks_report(as_of="2027-09-30")["loans"] if r["loan_no"] == "LA003")

    before = row()
    assert (before["limitation_deadline"], before["limitation_schedule_missing"]) == ("2027-10-01", True)
    assert before["limitation_deadline_reason"] == "2027年节假日安排尚未录入，仅按周末计算"
    for day in range(1, 8):
        CalendarEntry.objects.create(day=D(2027, 10, day), kind="rest", name="国庆节")
    after = row()
    assert (after["limitation_nominal_deadline"], after["limitation_deadline"]) == ("2027-10-01", "2027-10-08")
    assert (after["limitation_deadline_reason"], after["limitation_schedule_missing"]) == ("因国庆节假期顺延至10月8日", False)


def test_the_district_admins_home_warns_from_1_november_when_next_years_schedule_is_missing(client_for, cast, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 10, 31))
    assert "节假日安排尚未录入" not in client_for("district_admin").get("/").content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 11, 1))
    assert "2027年节假日安排尚未录入" in client_for("district_admin").get("/").content.decode()
    assert "节假日安排尚未录入" not in client_for("district_leader").get("/").content.decode()
    CalendarEntry.objects.create(day=D(2027, 1, 1), kind="rest", name="元旦")
    assert "节假日安排尚未录入" not in client_for("district_admin").get("/").content.decode()
