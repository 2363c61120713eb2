"""Home-page dashboards per role: the right numbers, each linked to its loans, nothing outside the scope."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from npl.collection.models import RepaymentPlan
from npl.reports.services import backfill
from npl.reports.tests.conftest import act, repay


@pytest.fixture
def snapshots(campaign, loans):
    repay(loans["LB001"], dt.date(2026, 4, 2), "300000.00")
    repay(loans["LA001"], dt.date(2026, 4, 3), "43000.00")
    backfill(dt.date(2026, 3, 31), dt.date(2026, 4, 3))
    return campaign


def home(client_for, role):
    return client_for(role).get(reverse("home"))


def test_the_district_sees_the_township_ranking_from_the_latest_snapshot(snapshots, client_for, units):
    ctx = home(client_for, "district_admin").context
    assert ctx["snapshot_day"] == dt.date(2026, 4, 3)
    assert [(r["township"], str(r["rate"]), r["task_wan"], r["collected_wan"]) for r in ctx["ranking"]] == [
        ("桃源乡", "24.00", "125.00", "30.00"), ("柳溪镇", "10.00", "43.00", "4.30")]
    page = home(client_for, "district_leader").content.decode()
    assert f'href="/loans/?township={units.town_b.pk}"' in page
    assert f'href="/collection/clocks/?township={units.town_a.pk}"' in page
    assert f"/reports/charts/trend.svg?campaign={snapshots.pk}" in page


def test_the_district_sees_the_nine_categories_linked_to_their_loans_and_the_clocks_at_risk(snapshots, client_for):
    resp = home(client_for, "district_admin")
    cats = {c["code"]: (c["count"], c["amount_wan"]) for c in resp.context["categories"]}
    assert cats["public_servant"] == (1, "90.00")  # LB001 today: 1,200,000 − 300,000 and cats["lost_contact"] == (1, "8.00") and cats["litigation"][0] == 1
    assert 'href="/categories/lost_contact/"' in resp.content.decode()
    clocks = {c["status"]: c["count"] for c in resp.context["clocks"]}
    # LA003 and LB002 lapsed on 2026-03-15; the repayments of LA001 and LB001 revived theirs; LA002 is in suit.
    assert clocks == {"lapsed": 2, "due_1m": 0, "due_3m": 0, "due_6m": 0}


def test_the_trend_is_the_district_rate_per_snapshot_day(snapshots, client_for):
    from npl.reports.dashboards import trend_points

    assert trend_points(snapshots) == [["2026-03-31", "0.00"], ["2026-04-01", "0.00"], ["2026-04-02", "17.86"],
                                       ["2026-04-03", "20.42"]]
    resp = client_for("district_admin").get(reverse("reports:trend_svg"), {"campaign": snapshots.pk})
    assert resp.status_code == 200 and "全区清收率走势" in resp.content.decode()
    assert client_for("township_admin").get(reverse("reports:trend_svg")).status_code == 404


def test_a_township_sees_its_own_categories_states_and_alerts_only(snapshots, client_for, loans, cast, units):
    from django.utils import timezone

    from npl.collection.models import CollectionAction

    mine = act(loans["LA003"], dt.date(2026, 4, 1), promise=dt.date(2026, 4, 2))
    other = act(loans["LB002"], dt.date(2026, 4, 1), promise=dt.date(2026, 4, 2))
    CollectionAction.objects.filter(pk__in=[mine.pk, other.pk]).update(promise_status="broken", promise_closed_on=timezone.localdate())
    RepaymentPlan.objects.create(loan=loans["LA001"], status="submitted", submitted_by=cast["collector"],
                                 responsible_person=cast["collector"], signed_on=dt.date(2026, 4, 1))
    resp = home(client_for, "township_admin")
    ctx, page = resp.context, resp.content.decode()
    cats = {c["code"]: c["count"] for c in ctx["categories"]}
    assert cats["lost_contact"] == 1 and cats["public_servant"] == 0  # 王五 is in 桃源乡
    assert sum(s["count"] for s in ctx["statuses"]) == 3
    assert f'href="/loans/?status={ctx["statuses"][0]["status"]}"' in page
    assert {c["status"]: c["count"] for c in ctx["clocks"]}["lapsed"] == 1  # LA003 (LA001 revived by its repayment)
    assert [a.loan.loan_no for a in ctx["broken"]] == ["LA003"] and "LB002" not in page
    assert ("待审批还款计划", 1, "/collection/plans/pending/") in ctx["pending"]
    assert f'/categories/lost_contact/?township={units.town_a.pk}' in page
    assert "ranking" not in ctx and "桃源乡" not in page


def test_a_collector_sees_their_worklist_and_nothing_of_other_loans(snapshots, client_for, loans):
    resp = home(client_for, "collector")
    source, items = resp.context["worklist_source"], resp.context["worklist"]
    loan_nos = {(i.loan if source == "advice" else i["loan"]).loan_no for i in items}
    assert loan_nos <= {"LA001"}
    page = resp.content.decode()
    assert "LA002" not in page and "LB001" not in page and "ranking" not in resp.context


def test_a_township_home_shows_its_trend_beside_the_district_and_its_categories_as_svg_charts(snapshots, client_for, units):
    page = home(client_for, "township_admin").content.decode()
    assert '/reports/charts/township-trend.svg' in page and '/reports/charts/categories.svg' in page
    assert f'href="/categories/?township={units.town_a.pk}"' in page  # the chart opens the category report's loans
    trend = client_for("township_admin").get(reverse("reports:township_trend_svg"))
    svg = trend.content.decode()
    assert trend["Content-Type"] == "image/svg+xml" and "<svg" in svg
    assert "柳溪镇清收率走势（与全区对比）" in svg and "全区" in svg
    bars = client_for("township_admin").get(reverse("reports:categories_svg")).content.decode()
    assert "柳溪镇九类特殊贷款（笔）" in bars and "借款人无法联系贷款" in bars


def test_the_township_trend_is_its_own_rate_per_snapshot_day(snapshots, units):
    from npl.reports.dashboards import township_trend_points

    # 桃源乡: LB001 repaid 300,000 of a 1,250,000 task on 2026-04-02.
    assert township_trend_points(snapshots, units.town_b.pk) == [
        ["2026-03-31", "0.00"], ["2026-04-01", "0.00"], ["2026-04-02", "24.00"], ["2026-04-03", "24.00"]]


@pytest.mark.parametrize("role", ["collector", "branch_staff", "district_admin", "court_liaison"])
def test_only_a_township_admin_gets_the_township_charts(snapshots, client_for, role):
    assert client_for(role).get(reverse("reports:township_trend_svg")).status_code == 404
    assert client_for(role).get(reverse("reports:categories_svg")).status_code == 404


def test_a_branch_home_shows_its_loans_by_state_as_an_svg_chart_linked_to_the_loans(client_for, loans):
    resp = home(client_for, "branch_staff")
    page = resp.content.decode()
    assert '/reports/charts/states.svg' in page
    assert 'href="/loans/?status=' in page
    svg = client_for("branch_staff").get(reverse("reports:states_svg")).content.decode()
    assert "贷款状态分布（笔）" in svg
    # The branch sees LA001 and LA002 only: its bars add up to 2.
    from npl.loans.models import Loan
    from npl.reports.dashboards import branch_board, by_status

    board = branch_board(resp.wsgi_request.user)
    assert sum(s["count"] for s in board["statuses"]) == 2
    assert by_status(Loan.objects.for_user(resp.wsgi_request.user)) == board["statuses"]


def test_a_branch_home_counts_the_repayments_to_confirm_and_the_waivers_the_clerk_may_approve(client_for, cast, loans, units):
    from django.utils import timezone

    from npl import testing
    from npl.collection.services import record_repayment
    from npl.waivers.models import PolicyTier, PolicyVersion
    from npl.waivers.services import request_waiver

    today = timezone.localdate()
    record_repayment(loans["LA001"], cast["collector"], paid_on=today, amount=Decimal("500.00"))
    version = PolicyVersion.objects.create(name="测试版", effective_from=today - dt.timedelta(days=1), branch_limit=Decimal("50000.00"))
    PolicyTier.objects.create(version=version, name="一般户", penalty_share=100, compound_share=100, interest_share=0,
                              repay_by=today + dt.timedelta(days=365))
    small = testing.loan("W1", testing.borrower(101, "赵六"), units.town_a, units.branch_a, balance="100000.00",
                         as_of=dt.date(2026, 3, 31), maturity=dt.date(2026, 3, 31), rate=None, penalty_interest=Decimal("3000"),
                         collector=cast["collector"], community=units.community_a)
    request_waiver(small, cast["collector"], deadline=today + dt.timedelta(days=30), reason="低收入，亲属凑钱一次性还本")
    resp = home(client_for, "branch_staff")
    page = resp.content.decode()
    assert "待确认还款：1" in page and "可审批的减免申请：1" in page
    # Above the branch limit the district decides: the clerk is not asked.
    version.branch_limit = Decimal("100.00")
    version.save()
    assert "可审批的减免申请：0" in home(client_for, "branch_staff").content.decode()


def test_a_police_liaisons_home_lists_a_screenful_and_points_to_the_ledger_for_the_rest(loans, client_for, monkeypatch):
    from npl.reports import home as home_module

    everything = home(client_for, "police_liaison")
    assert everything.context["totals"]["loans"] == len(everything.context["listed"]) >= 1
    assert "见<a" not in everything.content.decode()  # all of them shown: no pointer
    monkeypatch.setattr(home_module, "LIAISON_TOP", 0)  # a longer list than the home shows
    page = home(client_for, "police_liaison").content.decode()
    assert f"全部{everything.context['totals']['loans']}笔见<a href=\"/loans/\">贷款台账</a>" in page


def test_a_township_homes_states_and_categories_come_from_the_stored_totals_as_counted(loans, cast, client_for):
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from npl.categories.models import Membership
    from npl.loans.models import Loan, LoanStatus
    from npl.reports.dashboards import by_status

    admin = cast["township_admin"]
    Loan.objects.filter(loan_no="LA002").update(status=LoanStatus.WRITTEN_OFF)
    qs = Loan.objects.for_user(admin)
    counted = by_status(qs)
    with CaptureQueriesContext(connection) as seen:
        stored = by_status(qs, admin)
        home = client_for("township_admin").get(reverse("home"))
    assert stored == counted and len(counted) == 2
    assert home.context["statuses"] == counted
    assert not [q["sql"] for q in seen.captured_queries if 'COUNT("loans_loan"' in q["sql"]]
    assert not [q["sql"] for q in seen.captured_queries if 'FROM "categories_membership"' in q["sql"]]
    live = Membership.objects.filter(township=admin.township, balance__gt=0).values("code").annotate(n=Count("pk"))
    counted_codes = {r["code"]: r["n"] for r in live}
    shown = {c["code"]: c["count"] for c in home.context["categories"]}
    assert shown == {code: counted_codes.get(code, 0) for code in shown} and sum(shown.values()) > 0


def test_the_broken_promises_of_a_township_home_are_read_through_their_own_index(loans, cast):
    # Without it the home scanned the whole ledger for the month's broken promises (28 ms of 81 at 100k loans).
    from django.db import connection

    from npl.loans.models import Loan
    from npl.reports.dashboards import broken_promises

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; SQLite has the same index")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        broken_promises(Loan.objects.for_user(cast["township_admin"]))
    with connection.cursor() as c:
        # Statistics of this test's rows: an earlier test's ANALYZE, rolled back with it, leaves its counts behind.
        c.execute("ANALYZE collection_collectionaction, loans_loan, org_township")
        c.execute("SET enable_seqscan = off")
        try:
            c.execute("EXPLAIN " + seen.captured_queries[-1]["sql"])
            plan = "\n".join(r[0] for r in c.fetchall())
        finally:
            c.execute("RESET enable_seqscan")
    assert "action_broken_promise_by_id" in plan and "Sort" not in plan, plan  # read in the list's order
