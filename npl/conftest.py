"""Shared fixtures: two townships, the fixed cast of every role, and a handful of loans between them.

Who sees what (the scope matrix, tests/test_scope_matrix.py):

| loan  | township | branch   | borrower        | special                                  |
| ----- | -------- | -------- | --------------- | ---------------------------------------- |
| LA001 | 柳溪镇   | 柳溪支行 | 张三            | assigned to the collector                |
| LA002 | 柳溪镇   | 柳溪支行 | 李四            | litigation: the bank sued the borrower   |
| LA003 | 柳溪镇   | 桃源支行 | 单丽            | borrower on the lost_contact roster      |
| LB001 | 桃源乡   | 桃源支行 | 王五            | borrower on the public_servant roster    |
| LB002 | 桃源乡   | 桃源支行 | 张三 (again)    | a borrower with loans in two townships   |

Rosters are district-wide and in force from 2026-01-01.

`district_two` adds a second district (东川区, its own bank, township, branch, loans and people) and a city
(西岭市) over both districts with its finance office: the two-district matrices (tests/test_district_scope_matrix.py)
check that nothing of one district reaches the other's people. Tests that do not ask for it see one district.

| loan  | district | township | branch   | borrower      | special                                 |
| ----- | -------- | -------- | -------- | ------------- | --------------------------------------- |
| LC001 | 东川区   | 青山镇   | 青山支行 | 赵六          | assigned to 东川区's collector          |
| LC002 | 东川区   | 青山镇   | 青山支行 | 钱七          | litigation                              |
| LC003 | 东川区   | 青山镇   | 青山支行 | 孙八          | borrower on the lost_contact roster     |
| LC004 | 东川区   | 青山镇   | 青山支行 | 周九          | borrower on the public_servant roster   |
| LC005 | 东川区   | 青山镇   | 青山支行 | 张三 (again)  | a borrower with loans in two districts  |
"""
import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client

from npl import testing
from npl.accounts.choices import Role
from npl.core import derived

ROSTER_FROM = dt.date(2026, 1, 1)

# What each member of the cast sees in the `loans` fixture.
VISIBLE = {
    "district_admin": {"LA001", "LA002", "LA003", "LB001", "LB002"},
    "district_leader": {"LA001", "LA002", "LA003", "LB001", "LB002"},
    "township_admin": {"LA001", "LA002", "LA003"},
    "collector": {"LA001"},
    "branch_staff": {"LA001", "LA002"},
    "court_liaison": {"LA002"},
    "police_liaison": {"LA003"},
    "discipline_liaison": {"LB001"},
    "outsider": set(),
}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Slow tests first, keeping pytest-django's order otherwise (it ran before this hook).

    pytest-django puts tests without a database last; a slow one there is the tail of a parallel run, one
    worker busy while the other has nothing left. At the front the other worker takes the rest meanwhile.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test that asked for a derived-rows refresh (a service, an import, the sweep), the stored rows
    must equal a fresh computation (npl.core.derived.check): 0 differences after every scenario (issue 16).

    It runs inside the test's own transaction, before its database is rolled back. A test that leaves rows
    stale on purpose says why with @pytest.mark.derived_unchecked("…").
    """
    from npl.core import derived

    before = derived.stats["refreshes"]
    result = yield
    if derived.stats["refreshes"] != before and item.get_closest_marker("derived_unchecked") is None:
        found = derived.check(limit=5)
        if found.total:
            lines = [d.text() for shown in found.examples.values() for d in shown]
            raise AssertionError(f"stored derived rows differ from a fresh computation ({found.total}):\n" + "\n".join(lines))
    return result


@pytest.fixture(scope="session", autouse=True)
def _private_files(tmp_path_factory):
    """Uploads, stored import copies and the cache go to a temporary folder of this test session.

    Tests then never touch the developer's var/, and parallel workers (pytest -n) cannot overwrite each
    other's files: batch ids start at 1 in every worker's database.
    """
    from django.test.utils import override_settings

    base = tmp_path_factory.mktemp("npl-data")
    override = override_settings(
        MEDIA_ROOT=base / "media",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(base / "cache")}},
    )
    override.enable()
    yield base
    override.disable()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Tests hash passwords with MD5: production's Argon2 is slow on purpose (about 0.3 s and 100 MiB a
    password here), and the cast alone makes nine users a test, which made user creation most of the
    suite's time. Production keeps Argon2: tests/test_security.py checks it with settings.py's own list.
    """
    from django.test.utils import override_settings

    override = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="session", autouse=True)
def _primary_only():
    """Every test reads from the primary, even when DATABASE_REPLICA_URLS names replicas (CI does).

    Under tests a replica alias is a mirror of the test database on the replica's server, and a physical
    standby replays the test's commits a moment later: a page reading its fixtures there could miss them.
    tests/test_replicas.py turns the replicas back on for its own tests, waiting for the replay.
    """
    from django.test.utils import override_settings

    override = override_settings(NPL_REPLICA_ALIASES=[])
    override.enable()
    yield
    override.disable()


@pytest.fixture
def units(db):
    """Two townships, each with one community and one branch (branch B also serves town A)."""
    town_a = testing.township("柳溪镇")
    town_b = testing.township("桃源乡")
    branch_a = testing.branch("柳溪支行", town_a)
    branch_b = testing.branch("桃源支行", town_b)
    branch_b.townships.add(town_a)
    town_a.lead_branch = branch_a
    town_a.save()
    town_b.lead_branch = branch_b
    town_b.save()
    return SimpleNamespace(
        town_a=town_a,
        town_b=town_b,
        community_a=testing.community(town_a, "东村"),
        community_b=testing.community(town_b, "西村"),
        branch_a=branch_a,
        branch_b=branch_b,
    )


@pytest.fixture
def cast(units):
    """One user per role (role code → User), bound to town A / branch A where the role needs a unit."""
    people = {
        Role.DISTRICT_ADMIN: testing.user("qu_admin", Role.DISTRICT_ADMIN),
        Role.DISTRICT_LEADER: testing.user("qu_leader", Role.DISTRICT_LEADER),
        Role.TOWNSHIP_ADMIN: testing.user("liuxi_admin", Role.TOWNSHIP_ADMIN, town=units.town_a),
        Role.COLLECTOR: testing.user("liuxi_collector", Role.COLLECTOR, town=units.town_a),
        Role.BRANCH_STAFF: testing.user("liuxi_branch", Role.BRANCH_STAFF, branch_=units.branch_a),
        Role.COURT_LIAISON: testing.user("court", Role.COURT_LIAISON),
        Role.POLICE_LIAISON: testing.user("police", Role.POLICE_LIAISON),
        Role.DISCIPLINE_LIAISON: testing.user("discipline", Role.DISCIPLINE_LIAISON),
        "outsider": testing.user("outsider", ""),
    }
    return {str(role): u for role, u in people.items()}


def _put_on_roster(borrower, kind: str, valid_from: dt.date = ROSTER_FROM):
    """A district-wide roster entry for `borrower`, matched by the keyed hash as an import would."""
    from npl.categories.models import RosterEntry, RosterPerson

    person, _ = RosterPerson.objects.get_or_create(
        id_hash=borrower.id_hash,
        defaults={"id_cipher": borrower.id_cipher, "id_masked": borrower.id_masked, "name": borrower.name},
    )
    entry = RosterEntry.objects.create(kind=kind, person=person, name=borrower.name, valid_from=valid_from)
    # The person's loans' stored derived rows (their memberships), as the roster import leaves them.
    derived.refresh(borrower.loans.values_list("pk", flat=True), source="roster", setup=True)
    return entry


@pytest.fixture
def loans(units, cast):
    """Five loans across both townships (see the module docstring); loan_no → Loan."""
    from npl.litigation.choices import Direction
    from npl.litigation.models import LitigationCase

    zhang = testing.borrower(1, "张三")
    li = testing.borrower(2, "李四")
    shan = testing.borrower(3, "单丽")
    wang = testing.borrower(4, "王五")
    made = {
        "LA001": testing.loan(
            "LA001", zhang, units.town_a, units.branch_a, community=units.community_a, collector=cast["collector"]
        ),
        "LA002": testing.loan("LA002", li, units.town_a, units.branch_a, community=units.community_a, balance="250000.00"),
        "LA003": testing.loan("LA003", shan, units.town_a, units.branch_b, balance="80000.00", guarantee="抵押+保证"),
        "LB001": testing.loan("LB001", wang, units.town_b, units.branch_b, community=units.community_b, balance="1200000.00"),
        "LB002": testing.loan("LB002", zhang, units.town_b, units.branch_b, balance="50000.00"),
    }
    LitigationCase.objects.create(
        loan=made["LA002"],
        direction=Direction.BANK_SUED_BORROWER,
        case_no="（2026）陕0523民初101号",
        court="西岭区人民法院",
        filed_on=dt.date(2026, 2, 10),
        counted_from=dt.date(2026, 2, 10),
    )
    _put_on_roster(shan, "lost_contact")
    _put_on_roster(wang, "public_servant")
    derived.refresh(setup=True)  # the fixture wrote cases and rosters directly: their stored derived rows
    return made


@pytest.fixture
def client_for(cast):
    """client_for("collector") → a Client logged in as that member of the cast; None → anonymous."""

    def make(role: str | None) -> Client:
        c = Client()
        if role is not None:
            c.force_login(cast[role], backend="django.contrib.auth.backends.ModelBackend")
        return c

    return make


# What each member of the second district's cast sees (district_two.cast), and the city's finance office.
VISIBLE_TWO = {
    "district_admin": {"LC001", "LC002", "LC003", "LC004", "LC005"},
    "district_leader": {"LC001", "LC002", "LC003", "LC004", "LC005"},
    "township_admin": {"LC001", "LC002", "LC003", "LC004", "LC005"},
    "collector": {"LC001"},
    "branch_staff": {"LC001", "LC002", "LC003", "LC004", "LC005"},
    "court_liaison": {"LC002"},
    "police_liaison": {"LC003"},
    "discipline_liaison": {"LC004"},
}
CITY_VISIBLE = VISIBLE["district_admin"] | VISIBLE_TWO["district_admin"]


@pytest.fixture
def district_two(loans, units, cast):
    """A second district (东川区) beside the shared one, both under 西岭市, with its own people and loans (see
    the module docstring), and the city's finance office (市金融办). The first district's cast is unchanged."""
    from npl.litigation.choices import Direction
    from npl.litigation.models import LitigationCase
    from npl.org.models import Bank, District, Region, Tier

    city = Region.objects.create(tier=Tier.CITY, name="西岭市")
    first = District.current()
    first.region = city
    first.save()
    district = District.objects.create(name="东川区", region=city)
    bank = Bank.objects.create(name="东川农商银行")
    town = testing.township("青山镇", district)
    branch = testing.branch("青山支行", town, bank=bank)
    town.lead_branch = branch
    town.save()
    people = {
        Role.DISTRICT_ADMIN: testing.user("dc_admin", Role.DISTRICT_ADMIN, district=district),
        Role.DISTRICT_LEADER: testing.user("dc_leader", Role.DISTRICT_LEADER, district=district),
        Role.TOWNSHIP_ADMIN: testing.user("qs_admin", Role.TOWNSHIP_ADMIN, town=town),
        Role.COLLECTOR: testing.user("qs_collector", Role.COLLECTOR, town=town),
        Role.BRANCH_STAFF: testing.user("qs_branch", Role.BRANCH_STAFF, branch_=branch),
        Role.COURT_LIAISON: testing.user("dc_court", Role.COURT_LIAISON, district=district),
        Role.POLICE_LIAISON: testing.user("dc_police", Role.POLICE_LIAISON, district=district),
        Role.DISCIPLINE_LIAISON: testing.user("dc_discipline", Role.DISCIPLINE_LIAISON, district=district),
    }
    two = {str(role): u for role, u in people.items()}
    zhao, qian = testing.borrower(11, "赵六"), testing.borrower(12, "钱七")
    sun, zhou = testing.borrower(13, "孙八"), testing.borrower(14, "周九")
    zhang = loans["LA001"].borrower
    made = {
        "LC001": testing.loan("LC001", zhao, town, branch, collector=two["collector"]),
        "LC002": testing.loan("LC002", qian, town, branch, balance="300000.00"),
        "LC003": testing.loan("LC003", sun, town, branch, balance="70000.00"),
        "LC004": testing.loan("LC004", zhou, town, branch, balance="900000.00"),
        "LC005": testing.loan("LC005", zhang, town, branch, balance="60000.00"),
    }
    LitigationCase.objects.create(
        loan=made["LC002"],
        direction=Direction.BANK_SUED_BORROWER,
        case_no="（2026）陕0524民初7号",
        court="东川区人民法院",
        filed_on=dt.date(2026, 2, 12),
        counted_from=dt.date(2026, 2, 12),
    )
    _put_on_roster(sun, "lost_contact")
    _put_on_roster(zhou, "public_servant")
    derived.refresh(setup=True)
    city_finance = testing.user("city_finance", Role.CITY_FINANCE, region=city)
    return SimpleNamespace(
        district=district, first=first, city=city, bank=bank, town=town, branch=branch, cast=two, loans=made,
        city_finance=city_finance,
    )


@pytest.fixture
def province_finance(district_two):
    """The 省金融办 over district_two's city (陕西省): it edits the province default of per-district settings."""
    from npl.org.models import Region, Tier

    province = Region.objects.create(tier=Tier.PROVINCE, name="陕西省")
    district_two.city.parent = province
    district_two.city.save()
    return testing.user("province_finance", Role.PROVINCE_FINANCE, region=province)


def login(user) -> Client:
    """A Client logged in as this user."""
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


@pytest.fixture
def on_import_day(request):
    """Runs the test with the clock starting at its module's IMPORTED_AT (and ticking), so a module-level TODAY
    and the services' timezone.localdate() agree even when the run crosses midnight in Asia/Shanghai."""
    with time_machine.travel(request.module.IMPORTED_AT, tick=True):
        yield
