"""The roll-ups of a city's finance office (市金融办) over its two districts (conftest's `district_two`): each
district's row equals that district's own pages, each district name opens those pages read-only, and nobody
else reaches them."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from npl import testing
from npl.accounts.choices import Role
from npl.campaigns.services import create_campaign
from npl.categories.tests.conftest import SNAP
from npl.reports.services import take_snapshot
from npl.reports.tests.conftest import repay

PAGES = ("categories", "clocks", "campaigns")


def login(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def sheet(response) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


@pytest.fixture
def city(district_two):
    return login(district_two.city_finance)


def by_name(rows) -> dict:
    return {r["district"].name: r for r in rows}


def test_each_districts_categories_are_its_category_report(district_two, city, cast):
    figures = city.get(reverse("reports:region_categories")).context["figures"]
    rows = by_name(figures["rows"])
    assert list(rows) == ["东川区", "西岭区"]
    for name, admin in (("西岭区", cast["district_admin"]), ("东川区", district_two.cast["district_admin"])):
        report = login(admin).get(reverse("categories:report")).context["report"]
        for cat in report["categories"]:
            for row in [cat, *cat.get("subcategories", [])]:
                cell = rows[name]["cells"][row["code"]]
                assert (cell["count"], cell["households"], cell["amount_wan"]) == (
                    row["count"], row["households"], row["amount_wan"]), (name, row["code"])
    # Each district has a public servant and a lost-contact borrower: both show, and the total adds them.
    assert rows["西岭区"]["cells"]["public_servant"]["amount_wan"] == "120.00"
    assert rows["东川区"]["cells"]["public_servant"]["amount_wan"] == "90.00"
    assert figures["total"]["cells"]["public_servant"]["count"] == 2
    assert figures["total"]["cells"]["lost_contact"]["amount_wan"] == "15.00"


def test_the_category_drill_down_is_the_districts_report_read_only(district_two, city, cast):
    page = city.get(reverse("reports:region_categories")).content.decode()
    two = district_two.district
    assert f'href="/categories/?district={two.pk}"' in page
    mine = city.get(reverse("categories:report"), {"district": two.pk})
    theirs = login(district_two.cast["district_admin"]).get(reverse("categories:report"))
    assert mine.status_code == 200 and mine.context["scope"].label == "东川区"
    assert mine.context["report"]["categories"] == theirs.context["report"]["categories"]
    assert not mine.context["may_manage"] and not mine.context["may_request"]
    loans = city.get(reverse("categories:loans", args=["public_servant"]), {"district": two.pk})
    assert [loan.loan_no for loan in loans.context["page"]] == ["LC004"]
    # The other district's loans stay out of the drill-down's export too.
    exported = city.get(reverse("categories:export_xlsx"), {"district": district_two.first.pk})
    assert exported.status_code == 200 and "西岭区" in str(sheet(exported)[0])


def test_each_districts_clocks_are_its_clock_page(district_two, city, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        figures = city.get(reverse("reports:region_clocks")).context["figures"]
    # The clocks' stored totals, not a count of every clock row of the region through its loans.
    assert not [q["sql"] for q in seen.captured_queries if 'FROM "collection_loanclock"' in q["sql"]]
    rows = by_name(figures["rows"])
    for name, admin in (("西岭区", cast["district_admin"]), ("东川区", district_two.cast["district_admin"])):
        ctx = login(admin).get(reverse("collection:clock_alerts")).context
        row = rows[name]["by_status"]
        groups = ("lapsed", "due_1m", "due_3m", "due_6m")
        assert {code: ctx["sizes"][code] for code in groups} == {code: row[code] for code in groups}
        assert (row["suspended_by_suit"], row["ok"], rows[name]["loans"]) == (ctx["suspended"], ctx["ok"], ctx["total"])
    assert rows["东川区"]["loans"] == 5 and figures["total"]["loans"] == 10


def test_the_clock_drill_down_is_the_whole_district_read_only(district_two, city):
    two = district_two.district
    assert f'href="/collection/clocks/?district={two.pk}"' in city.get(reverse("reports:region_clocks")).content.decode()
    response = city.get(reverse("collection:clock_alerts"), {"district": two.pk})
    assert response.status_code == 200
    assert response.context["whole_district"] and response.context["scope_name"] == "东川区"
    assert response.context["total"] == 5 and not response.context["may_edit_calendar"]
    page = response.content.decode()
    assert "LC00" in page and "LA00" not in page
    assert city.get(reverse("collection:clock_alerts_xlsx"), {"district": two.pk}).status_code == 200


def test_each_districts_campaign_is_its_latest_snapshot_ranked_by_rate(district_two, city, cast, loans):
    first = create_campaign("攻坚行动", SNAP, user=cast["district_admin"])
    second = create_campaign("百日清收", SNAP, user=district_two.cast["district_admin"])
    repay(loans["LB001"], SNAP + dt.timedelta(days=3), "120000.00")
    repay(district_two.loans["LC004"], SNAP + dt.timedelta(days=4), "450000.00")
    today = timezone.localdate()
    take_snapshot(today)
    figures = city.get(reverse("reports:region_campaigns")).context["figures"]
    assert [(r["rank"], r["district"].name, r["campaign"]) for r in figures["rows"]] == [
        (1, "东川区", second), (2, "西岭区", first)]
    for row, admin, campaign in ((figures["rows"][0], district_two.cast["district_admin"], second),
                                 (figures["rows"][1], cast["district_admin"], first)):
        total = login(admin).get(reverse("campaigns:detail", args=[campaign.pk])).context["total"]
        assert row["day"] == today
        for key in ("task_count", "task_amount", "collected_count", "collected_amount", "remaining_amount"):
            assert row[key] == total[key], key
        assert row["rate"] == total["recovery_rate"]
    assert figures["rows"][0]["rate"] == Decimal("31.47")  # 45万 of 143万
    # The district name opens that district's campaign, read-only.
    detail = city.get(reverse("campaigns:detail", args=[second.pk]))
    assert detail.status_code == 200 and detail.context["scope"].label == "东川区"
    assert not detail.context["may_decide"] and not detail.context["may_request"]


def test_a_district_without_a_campaign_is_listed_last_with_nothing(district_two, city):
    rows = city.get(reverse("reports:region_campaigns")).context["figures"]["rows"]
    assert [(r["district"].name, r["campaign"], r["task_count"]) for r in rows] == [("东川区", None, 0), ("西岭区", None, 0)]


@pytest.mark.parametrize("page", PAGES)
def test_each_roll_up_exports_its_rows_to_excel(page, district_two, city):
    response = city.get(reverse(f"reports:region_{page}_xlsx"))
    assert response.status_code == 200
    text = "\n".join(str(v) for row in sheet(response) for v in row)
    assert "西岭市" in text and "东川区" in text and "西岭区" in text and "合计" in text


def test_the_category_export_carries_counts_households_and_wan(district_two, city):
    rows = sheet(city.get(reverse("reports:region_categories_xlsx")))
    heads = rows[2]
    body = {r[0]: r for r in rows[4:7]}
    col = heads.index("公职人员贷款")
    assert body["东川区"][col:col + 3] == [1, 1, 90.0] and body["合计"][col:col + 3] == [2, 2, 210.0]


def test_a_city_office_of_another_region_sees_nothing_of_these_districts(district_two):
    from npl.org.models import Region, Tier

    other = testing.user("nanshan", Role.CITY_FINANCE, region=Region.objects.create(tier=Tier.CITY, name="南山市"))
    client = login(other)
    for page in PAGES:
        response = client.get(reverse(f"reports:region_{page}"))
        assert response.status_code == 200 and response.context["figures"]["rows"] == []
    two = district_two.district.pk
    assert client.get(reverse("categories:report"), {"district": two}).status_code == 404
    assert client.get(reverse("collection:clock_alerts"), {"district": two}).status_code == 404
    assert client.get(reverse("categories:loans", args=["public_servant"]), {"district": two}).status_code == 404


def test_the_city_cannot_name_a_township_or_campaign_outside_its_districts(district_two, cast):
    from npl.org.models import District, Region, Tier

    lone = District.objects.create(name="北坡区", region=Region.objects.create(tier=Tier.CITY, name="南山市"))
    town = testing.township("北坡镇", lone)
    campaign = create_campaign("北坡清收", SNAP, township=town)
    client = login(district_two.city_finance)
    assert client.get(reverse("categories:report"), {"district": lone.pk}).status_code == 404
    assert client.get(reverse("categories:report"), {"township": town.pk}).status_code == 404
    assert client.get(reverse("collection:clock_alerts"), {"district": "x"}).status_code == 404
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 404


@pytest.mark.parametrize("role", ["district_admin", "district_leader", "township_admin", "collector", "court_liaison"])
def test_district_roles_cannot_open_roll_ups(role, district_two, cast):
    for user in (cast[role], district_two.cast[role]):
        client = login(user)
        for page in PAGES:
            assert client.get(reverse(f"reports:region_{page}")).status_code == 404
            assert client.get(reverse(f"reports:region_{page}_xlsx")).status_code == 404


def test_a_district_role_naming_another_district_still_sees_only_its_own(district_two, cast):
    response = login(cast["district_admin"]).get(reverse("collection:clock_alerts"), {"district": district_two.district.pk})
    assert response.status_code == 200 and "LC00" not in response.content.decode()


def test_the_city_menu_offers_the_roll_ups(district_two):
    from npl.accounts.menu import links_for

    labels = {item.label: item.url for item in links_for(district_two.city_finance)}
    assert labels["各区九类汇总"] == "/reports/region/categories/" and "各区清收汇总" in labels and "各区时效汇总" in labels


def test_a_superuser_reads_every_district_side_by_side(district_two, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-Npl-2026-long")
    response = login(root).get(reverse("reports:region_categories"))
    assert response.status_code == 200
    assert [r["district"].name for r in response.context["figures"]["rows"]] == ["东川区", "西岭区"]


def test_the_campaign_roll_up_reads_a_fixed_number_of_queries_whatever_the_districts(district_two, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from npl.org.models import District
    from npl.reports.rollups import campaign_rollup

    create_campaign("攻坚行动", SNAP, user=cast["district_admin"])
    create_campaign("百日清收", SNAP, user=district_two.cast["district_admin"])
    take_snapshot(timezone.localdate())

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            campaign_rollup(list(District.objects.order_by("name")))
        return len(ctx.captured_queries)

    two = queries()
    third = District.objects.create(name="北坡区", region=district_two.city)
    create_campaign("北坡清收", SNAP, township=testing.township("北坡镇", third))
    take_snapshot(timezone.localdate())
    assert queries() == two


def test_before_todays_sweep_the_roll_up_says_its_figures_are_the_last_sweeps(district_two, city):
    from npl.core import derived

    page = city.get(reverse("reports:region_categories"))
    assert not page.context["stale"] and "尚未运行" not in page.content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    derived.rebuild(only=["memberships"], day=yesterday)  # the last full computation was yesterday's sweep
    page = city.get(reverse("reports:region_categories")).content.decode()
    assert "今日的每日更新（npl collection sweep）尚未运行" in page and f"{yesterday.year}年{yesterday.month}月{yesterday.day}日" in page
    derived.rebuild(only=["memberships"])
    assert "尚未运行" not in city.get(reverse("reports:region_categories")).content.decode()
