"""`npl demo`: the district loaded through the importers, every role's login, and idempotent runs."""
import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import TestCase

from npl.accounts.choices import Role
from npl.accounts.models import User
from npl.demo.services import logins_table
from npl.demo.users import demo_users
from npl.intake.models import ImportBatch
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent
from npl.org.models import Township

SMALL = 240  # a small district keeps the test quick; the full 3,000 takes the same path


def run_demo(*args, **opts) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, **opts)
    return out.getvalue()


def row_counts() -> dict:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label not in ("sessions",)}


@pytest.mark.slow
class TestTheDemoDistrict(TestCase):
    """Loaded once for the class (rolled back after it): each test reads one fact of the loaded district."""

    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo(loans=SMALL)

    def test_the_demo_loads_every_loan_through_the_importers(self):
        assert Loan.objects.count() == SMALL
        batches = ImportBatch.objects.all()
        kinds = sorted({(b.kind, b.sub_kind) for b in batches})
        assert ("loans", "") in kinds and ("repayments", "") in kinds and ("actions", "") in kinds
        assert len([k for k in kinds if k[0] == "roster"]) == 9
        assert all(b.refused == 0 for b in batches), [(b.kind, b.sub_kind, b.report.get("refused", [])[:2]) for b in batches]
        # Every loan has the history an import writes: the demo never writes straight into the tables.
        assert set(Loan.objects.values_list("pk", flat=True)) == set(
            LoanEvent.objects.filter(kind=EventKind.CREATED).values_list("loan_id", flat=True)
        )

    def test_every_role_has_a_demo_login_whose_printed_password_works(self):
        roles = set()
        for username, _role, _unit, password in logins_table():
            user = User.objects.get(username=username)
            assert user.is_active and user.check_password(password), username
            assert username in self.output  # printed after loading
            roles.add(user.role)
        assert roles == {r.value for r in Role}
        assert User.objects.get(username="root").is_superuser

    def test_bound_roles_are_bound_to_their_units(self):
        for spec in demo_users():
            user = User.objects.get(username=spec.username)
            if spec.role in (Role.TOWNSHIP_ADMIN, Role.COLLECTOR):
                assert user.township.name == spec.township
            if spec.role == Role.BRANCH_STAFF:
                assert user.branch == Township.objects.get(name=spec.township).lead_branch

    def test_every_township_has_a_lead_branch_among_those_serving_it(self):
        assert Township.objects.count() == 6
        for town in Township.objects.all():
            assert town.lead_branch is not None
            assert town.branches.filter(pk=town.lead_branch_id).exists()

    def test_collectors_hold_some_loans_of_their_own_township_only(self):
        for user in User.objects.filter(role=Role.COLLECTOR):
            assigned = Loan.objects.filter(responsible_person=user)
            assert assigned.exists(), user.username
            assert set(assigned.values_list("township_id", flat=True)) == {user.township_id}
            assert set(assigned.values_list("responsible_leader__role", flat=True)) == {Role.TOWNSHIP_ADMIN}
        assigned_events = LoanEvent.objects.filter(kind=EventKind.ASSIGNED).count()
        assert assigned_events == Loan.objects.exclude(responsible_person=None).count()

    def test_the_demo_loans_were_registered_when_the_demo_history_starts(self):
        from django.utils import timezone

        from npl.demo.generate import HISTORY_FROM, REPAID_UNTIL

        # The story is moved so that its history ends yesterday: it starts as long before that as the reference's.
        start = timezone.localdate() - dt.timedelta(days=1) - (REPAID_UNTIL - HISTORY_FROM)
        assert {timezone.localdate(d) for d in Loan.objects.values_list("created_at", flat=True)} == {start}
        # Dated as the bank's list inserted them (core.bulk.registered_at): no loan was left to move afterwards.
        assert "登记日期设为演示历史起点" not in self.output

    def test_the_history_runs_to_the_day_before_loading(self):
        from django.utils import timezone

        from npl.collection.models import CollectionAction, Repayment

        yesterday = timezone.localdate() - dt.timedelta(days=1)
        last_paid = Repayment.objects.order_by("-paid_on").values_list("paid_on", flat=True).first()
        last_action = CollectionAction.objects.order_by("-acted_on").values_list("acted_on", flat=True).first()
        assert yesterday - dt.timedelta(days=31) <= max(last_paid, last_action) <= yesterday

    def test_the_finished_weeks_bulletins_are_published_by_the_district_admin(self):
        from django.utils import timezone

        from npl.reports.models import Bulletin

        weekly = Bulletin.objects.filter(kind=Bulletin.Kind.WEEKLY, status=Bulletin.Status.PUBLISHED)
        assert weekly.count() >= 4
        assert {b.published_by.role for b in weekly} == {Role.DISTRICT_ADMIN}
        assert all(b.period_end < timezone.localdate() for b in weekly)

    def test_every_stage_reports_its_counts_and_seconds(self):
        assert "导入不良贷款明细：读取240行" in self.output
        assert "每日快照" in self.output and "发布已结束各周的周通报：" in self.output
        assert "秒）" in self.output

    def test_collectors_open_with_dues_from_the_history_not_from_the_loading_day(self):
        from django.utils import timezone

        from npl.advice.services import today

        day = timezone.localdate()
        items = [i for u in User.objects.filter(role=Role.COLLECTOR) for i in today(u, day)]
        assert items and all(i.suggestion.due <= day + dt.timedelta(days=7) for i in items)
        assert {i.suggestion.rule for i in items} - {"promise_broken"}  # not only broken promises any more

    def test_plans_were_made_through_the_services_some_kept_some_missed_some_waiting(self):
        from npl.collection.choices import InstalmentStatus, PlanStatus
        from npl.collection.models import PlanInstalment, RepaymentPlan

        plans = RepaymentPlan.objects.select_related("loan")
        statuses = set(plans.values_list("status", flat=True))
        assert {PlanStatus.SUBMITTED, PlanStatus.BROKEN} <= statuses and statuses & {PlanStatus.APPROVED, PlanStatus.COMPLETED}
        assert {InstalmentStatus.PAID, InstalmentStatus.MISSED} <= set(PlanInstalment.objects.values_list("status", flat=True))
        for plan in plans:
            assert plan.submitted_by == plan.loan.responsible_person and plan.submitted_by.role == Role.COLLECTOR
            if plan.status != PlanStatus.SUBMITTED:
                assert plan.decided_by.role == Role.TOWNSHIP_ADMIN and plan.agreement is not None
        assert LoanEvent.objects.filter(kind=EventKind.PLAN).count() >= plans.count()

    def test_a_large_demo_trains_on_a_seeded_sample_of_its_loans_and_says_so(self):
        import re
        from unittest import mock

        from npl.demo import services
        from npl.demo.generate import build_district

        plan = build_district(loans=SMALL, end=services.history_end())
        lines = []
        with mock.patch.object(services, "TRAIN_SAMPLE", 100):
            services._train_likelihood(plan, lines.append)
        assert "抽样100笔贷款" in lines[0]
        full = int(re.search(r"回收可能性模型：.*?（样本(\d+)个", self.output).group(1))
        assert 0 < int(re.search(r"样本(\d+)个", lines[0]).group(1)) < full

    def test_the_stored_derived_rows_equal_a_recompute_from_the_events(self):
        # The demo computes them once, at the end of its one deferred block (imports, plans, training, sweep):
        # `npl derive --check` finds nothing to correct.
        from npl.core import derived

        result = derived.check()
        assert result.counts and result.total == 0, result.examples

    def test_running_the_demo_again_changes_nothing(self):
        before = row_counts()
        run_demo(loans=SMALL)
        assert row_counts() == before

    def test_running_it_again_later_keeps_the_first_loads_history_end(self):
        from npl.core.models import Setting
        from npl.demo.services import END_KEY, history_end

        assert history_end() == dt.date.fromisoformat(Setting.objects.get(key=END_KEY).value)

    def test_if_empty_does_nothing_when_loans_exist(self):
        before = row_counts()
        out = run_demo("--if-empty", loans=SMALL + 10)
        assert "已有贷款" in out
        assert "qingshou1" not in out
        assert row_counts() == before

    def test_make_run_asks_to_load_if_empty_and_print_the_logins_once(self):
        out = run_demo("--if-empty", "--print-logins", loans=SMALL)
        assert "已有贷款" in out
        assert out.count("qingshou1") == 1
        assert "尚未创建" not in out


@pytest.mark.django_db
def test_print_logins_prints_the_table_without_loading_anything():
    out = run_demo("--print-logins")
    assert Loan.objects.count() == 0
    assert "尚未创建" in out
    for username, role, unit, password in logins_table():
        assert username in out and role in out and unit in out and password in out


@pytest.mark.django_db
def test_write_files_writes_the_intake_files_without_importing(tmp_path):
    out = run_demo(write_files=str(tmp_path), loans=50)
    assert (tmp_path / "loans.xlsx").exists() and (tmp_path / "roster_dibao.xlsx").exists()
    assert "loans.xlsx" in out
    assert Loan.objects.count() == 0 and ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_the_printed_logins_name_the_host_the_server_was_given():
    out = run_demo(print_logins=True, host="192.168.1.20:9000")
    assert "登录 http://192.168.1.20:9000/" in out and "quadmin" in out


@pytest.mark.django_db
@pytest.mark.parametrize("today", [dt.date(2026, 12, 9), dt.date(2026, 12, 14)])  # a Wednesday; a Monday
def test_a_large_demo_back_fills_finished_weeks_only_and_says_so(monkeypatch, today):
    import time_machine

    from npl.campaigns.models import Campaign
    from npl.demo import services
    from npl.reports import services as reports

    Campaign.objects.create(name="演示行动", baseline=dt.date(2026, 5, 6))
    asked, lines = [], []
    monkeypatch.setattr(reports, "backfill", lambda first, end, campaign: asked.append((first, end)) or 7)
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 10), tick=False):
        services._backfill(lines.append, services.FULL_SNAPSHOTS_UP_TO * 6)
        # the last finished ISO week: Monday to the Sunday before today (a week is published only when complete)
        sunday = today - dt.timedelta(days=today.weekday() + 1)
        assert asked == [(sunday - dt.timedelta(days=6), sunday)]
        assert "只补算最近1个完整周" in lines[0]
        asked.clear()
        services._backfill(lines.append, services.FULL_SNAPSHOTS_UP_TO)  # the full demo: six weeks to yesterday
        assert len(asked) == 6 and asked[-1][1] == today - dt.timedelta(days=1)
        assert all((end - first).days == 6 for first, end in asked[:-1])


@pytest.mark.slow
class TestSeveralDistricts(TestCase):
    """`npl demo --districts 2`: the demo district and a second one under its city, each of its own."""

    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo(loans=60, districts=2)

    def test_each_district_has_its_loans_units_bank_and_campaign_under_the_city(self):
        from npl.campaigns.models import Campaign
        from npl.org.models import Branch, District
        from npl.reports.models import DailyFigure

        districts = list(District.objects.order_by("pk"))
        assert [d.name for d in districts][1:] == ["东川区"]
        assert {d.region.name for d in districts} == {"西岭市"}
        banks = set()
        for d in districts:
            assert Loan.objects.filter(township__district=d).count() == 60
            assert Township.objects.filter(district=d).count() == 6
            banks |= set(Branch.objects.filter(district=d).values_list("bank_id", flat=True))
            campaign = Campaign.objects.get(district=d)
            assert DailyFigure.objects.filter(campaign=campaign).exists()
        assert len(banks) == 2  # each district's rural bank is its own legal entity
        from npl.categories.models import RosterEntry

        # Each district's rosters are its own (issue 18): the second district's are imported for it, not skipped.
        assert sorted(set(RosterEntry.objects.values_list("district__name", flat=True))) == ["东川区", "西岭区"]
        assert Loan.objects.values("loan_no").distinct().count() == 120

    def test_the_second_districts_cast_is_its_own_and_not_printed(self):
        admin = User.objects.get(username="d2_quadmin")
        assert admin.district.name == "东川区" and admin.role == Role.DISTRICT_ADMIN
        collector = User.objects.get(username="d2_qingshou1")
        assert collector.township.district == admin.district
        assert Loan.objects.filter(responsible_person=collector).exclude(township__district=admin.district).count() == 0
        assert "d2_" not in self.output and "shijinrongban" in self.output

    def test_the_city_office_reads_both_districts_in_its_roll_up(self):
        from django.test import Client

        client = Client()
        client.force_login(User.objects.get(username="shijinrongban"), backend="django.contrib.auth.backends.ModelBackend")
        rows = client.get("/reports/region/campaigns/").context["figures"]["rows"]
        assert sorted(r["district"].name for r in rows) == ["东川区", "西岭区"]
        assert all(r["task_count"] > 0 and r["day"] is not None for r in rows)
