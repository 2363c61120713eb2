"""The stored households (户数) follow every write of the loans and the memberships, level by level, and the homes
and the category report show the figures a count over the loans gives."""
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum

from npl import testing
from npl.categories import stored as stored_categories
from npl.categories import totals as category_totals
from npl.categories.models import CategoryTotal, Membership
from npl.categories.reports import category_report
from npl.core import bulk, derived
from npl.loans.households import scope_unit
from npl.loans.models import HouseholdCount, Loan
from npl.loans.models import HouseholdLevel as L
from npl.org.models import Region
from npl.reports import home

stored_totals_figures, stored_figures = category_totals.figures, stored_categories.figures


def counted_figures(*args, unit=None, **kwargs):
    """`stored.figures` without the unit: counted over the memberships, as before the stored figures."""
    return stored_figures(*args, **kwargs)


def _distinct(rows, *keys) -> dict:
    return {tuple(r[k] or 0 for k in keys): r["h"] for r in rows.values(*keys).annotate(h=Count("borrower", distinct=True))}


def counted_households() -> dict:
    """(level, unit, sub) → distinct borrowers, counted over the loans level by level."""
    loans = Loan.objects.order_by()
    out = {(L.ALL, 0, 0): loans.aggregate(h=Count("borrower", distinct=True))["h"]}
    for region in Region.objects.all():
        out[(L.REGION, region.pk, 0)] = loans.filter(township__district__in=region.districts()).aggregate(
            h=Count("borrower", distinct=True))["h"]
    for level, keys in ((L.DISTRICT, ("township__district_id",)), (L.TOWNSHIP, ("township_id",)),
                        (L.COMMUNITY, ("community_id", "township_id")),
                        (L.BRANCH, ("branch_id", "township__district_id")),
                        (L.BRANCH_TOWNSHIP, ("branch_id", "township_id"))):
        for key, h in _distinct(loans, *keys).items():
            out[(level, *key, 0)[:3]] = h
    return {k: v for k, v in out.items() if v}


def stored_households() -> dict:
    return {(lv, u, s): h for lv, u, s, h in HouseholdCount.objects.exclude(households=0)
            .values_list("level", "unit", "sub", "households")}


def counted_categories() -> dict:
    """(code, level, unit) → (memberships, households, cents) of the live memberships, counted over them."""
    live = Membership.objects.filter(balance__gt=0).order_by()
    groups = [(L.ALL, None), (L.DISTRICT, "township__district_id"), (L.TOWNSHIP, "township_id")]
    out = {}
    for level, key in groups:
        rows = live.values("code", *([key] if key else [])).annotate(
            n=Count("pk"), h=Count("loan__borrower", distinct=True), a=Sum("balance"))
        for r in rows:
            out[(r["code"], level, r[key] if key else 0)] = (r["n"], r["h"], int(r["a"] * 100))
    for region in Region.objects.all():
        rows = live.filter(township__district__in=region.districts()).values("code").annotate(
            n=Count("pk"), h=Count("loan__borrower", distinct=True), a=Sum("balance"))
        for r in rows:
            out[(r["code"], L.REGION, region.pk)] = (r["n"], r["h"], int(r["a"] * 100))
    return out


def stored_category_totals() -> dict:
    return {(c, lv, u): (n, h, a) for c, lv, u, n, h, a in CategoryTotal.objects.values_list(
        "code", "level", "unit", "loans", "households", "amount_cents") if (n, h, a) != (0, 0, 0)}


def assert_stored_equals_counted():
    assert stored_households() == counted_households()
    assert stored_category_totals() == counted_categories()
    assert derived.check(only=["households", "category_totals"]).total == 0


@pytest.fixture
def two_districts(district_two, province_finance):
    """Both districts under a city under a province; 张三 borrows in both townships of the first and in the second."""
    return district_two


def test_the_stored_households_hold_every_loan_and_membership_the_builders_made(loans, two_districts):
    assert_stored_equals_counted()
    zhang = loans["LA001"].borrower_id
    assert Loan.objects.filter(borrower_id=zhang).values("township__district").distinct().count() == 2
    assert stored_households()[(L.ALL, 0, 0)] == 8  # 张三 once, with loans in three townships and two districts
    assert stored_households()[(L.REGION, two_districts.city.pk, 0)] == 8


def test_moving_a_loan_changing_its_borrower_and_deleting_one_move_the_households(loans, units, two_districts):
    moved = loans["LA002"]
    moved.township, moved.community = units.town_b, units.community_b
    moved.save()
    assert_stored_equals_counted()
    loans["LA003"].borrower = loans["LA001"].borrower  # 单丽's loan becomes 张三's: her household leaves
    loans["LA003"].save()
    assert_stored_equals_counted()
    loans["LB001"].delete()
    assert_stored_equals_counted()


def test_bulk_updates_and_an_import_style_insert_move_the_households_in_one_statement(loans, units, two_districts):
    for loan in loans.values():
        loan.township, loan.community, loan.branch = units.town_a, units.community_a, units.branch_b
    loans["LB002"].borrower = loans["LB001"].borrower
    bulk.update_objects(Loan, list(loans.values()), ["township_id", "community_id", "branch_id", "borrower_id"])
    Loan.objects.filter(loan_no="LC001").update(borrower=loans["LA002"].borrower)
    template = Loan.objects.values().get(pk=loans["LA003"].pk)
    who = testing.borrower(91, "赵九")
    bulk.insert_dicts(Loan, [
        {**{k: v for k, v in template.items() if k != "id"}, "loan_no": f"N{i}", "borrower_id": who.pk,
         "township_id": [units.town_a, units.town_b, two_districts.town][i].pk} for i in range(3)
    ])
    assert_stored_equals_counted()
    Loan.objects.filter(loan_no__startswith="N").delete()
    assert_stored_equals_counted()


def test_settling_memberships_and_moving_them_move_the_category_figures(loans, units, two_districts):
    lost = Membership.objects.filter(code="lost_contact")
    assert lost.count() == 2
    lost.update(balance=0)  # settled: no longer live
    assert_stored_equals_counted()
    lost.update(balance=Decimal("1234.56"))
    assert_stored_equals_counted()
    Membership.objects.filter(loan=loans["LA003"]).update(township=units.town_b)
    Membership.objects.filter(loan=loans["LB001"]).update(balance=F("balance") / 3)
    assert_stored_equals_counted()
    Loan.objects.filter(pk=loans["LA003"].pk).update(borrower=loans["LB001"].borrower)  # a membership's borrower
    assert_stored_equals_counted()
    Membership.objects.filter(code="public_servant").delete()
    loans["LA003"].delete()
    assert_stored_equals_counted()


def test_a_refresh_of_every_loan_refills_households_that_differ(loans, two_districts):
    HouseholdCount.objects.filter(level=L.TOWNSHIP).update(households=99)
    CategoryTotal.objects.update(households=7)
    assert derived.check(only=["households", "category_totals"]).total > 0
    derived.rebuild(only=["households", "category_totals"])
    assert_stored_equals_counted()


def everyone(cast, two_districts, province_finance_user):
    from npl.accounts.models import User

    admin = User.objects.create_superuser("root", password=testing.PASSWORD)
    return [*cast.values(), *two_districts.cast.values(), two_districts.city_finance, province_finance_user, admin]


def test_every_home_shows_the_counted_figures_and_whole_units_read_the_stored_ones(loans, units, cast, district_two,
                                                                                    province_finance):
    moved = loans["LA002"]
    moved.township, moved.community = units.town_b, None
    moved.save()
    stored_scopes = 0
    for user in everyone(cast, district_two, province_finance):
        qs = Loan.objects.for_user(user)
        assert home.totals(qs, user) == home.totals(qs), user
        for field, label in (("township_id", "township__name"), ("township__district_id", "township__district__name"),
                             ("community_id", "community__name")):
            assert home.breakdown(qs, field, label, user) == home.breakdown(qs, field, label), (user, field)
        stored_scopes += scope_unit(user) is not None
    assert stored_scopes == 11  # all but the collectors and liaisons of both districts and the outsider


def test_the_category_report_reads_the_stored_figures_and_they_are_the_counted_ones(loans, units, cast, district_two,
                                                                                   province_finance, monkeypatch):
    Membership.objects.filter(loan=loans["LA003"]).update(balance=0)
    derived.refresh(setup=True)  # the rows back to what the engine says, complete for today
    read = []
    monkeypatch.setattr(category_totals, "figures", lambda *a: read.append(a[:2]) or stored_totals_figures(*a))
    for user in everyone(cast, district_two, province_finance):
        if not user.role and not user.is_superuser:
            continue  # the outsider reaches no category report
        for township, district in ((None, None), (units.town_a, None), (None, district_two.district),
                                   (district_two.town, None)):
            got = category_report(user=user, township=township, district=district)
            try:  # the same report with every figure counted over the memberships
                stored_categories.figures = counted_figures
                counted = category_report(user=user, township=township, district=district)
            finally:
                stored_categories.figures = stored_figures
            assert got == counted, (user, township, district)
    # Whole scopes read a unit's row: the district roles, township admins, the city, the province, the superuser.
    assert {level for level, _ in read} == {L.ALL, L.REGION, L.DISTRICT, L.TOWNSHIP}
    assert len(read) >= 20


def test_the_region_rollup_reads_each_districts_and_the_regions_stored_figures_as_counted(loans, units, district_two,
                                                                                         province_finance):
    from npl.reports import rollups

    Loan.objects.filter(pk=loans["LA003"].pk).update(borrower=district_two.loans["LC003"].borrower)  # one household, two districts
    both = [district_two.first.pk, district_two.district.pk]
    assert rollups._stored_unit(both) == (L.ALL, 0)  # every district (the city's and the province's too)
    from npl.org.models import District

    District.objects.create(name="外区")  # a district outside the city: both are now the city's (and province's)
    assert rollups._stored_unit(both) in {(L.REGION, district_two.city.pk), (L.REGION, district_two.city.parent_id)}
    assert rollups._stored_unit([district_two.district.pk]) is None  # no unit holds one district of two: counted

    def keyed(rows):
        return sorted((r.get("district"), r["code"], r["n"], r["h"], int(r["a"] or 0)) for r in rows if r["n"])

    for by_district in (True, False):
        stored = rollups._membership_figures(both, by_district=by_district)
        assert keyed(stored) == keyed(rollups.counted_figures(both, by_district=by_district))
    total = {r["code"]: r["h"] for r in rollups._membership_figures(both, by_district=False)}
    assert total["lost_contact"] == 1  # 单丽's loan is now 孙八's: one household of the region, in both districts
