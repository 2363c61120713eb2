"""Open suggestions as stored rows (issue 16): every change that moves a suggestion rewrites its row in the same
transaction, a fresh computation finds no difference, and the worklist reads the rows in a fixed number of queries."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from npl import testing
from npl.advice import services
from npl.advice.models import OpenSuggestion, SuggestionRule
from npl.collection import services as collection
from npl.core import derived
from npl.loans.models import Loan

IMPORTED_AT = timezone.now()
TODAY = timezone.localdate(IMPORTED_AT)
pytestmark = pytest.mark.usefixtures("on_import_day")


def maturity_ending_in(days):
    """A maturity whose three-year limitation period ends `days` from today."""
    return TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=days)


@pytest.fixture
def due_soon(units, cast):
    return testing.loan("S-1", testing.borrower(701, "何一"), units.town_a, units.branch_a, balance="50000.00",
                        maturity=maturity_ending_in(10), collector=cast["collector"])


def rows_of(loan):
    return list(OpenSuggestion.objects.filter(loan=loan).values_list("rule__code", "due", "priority"))


def test_a_loans_rows_are_its_open_suggestions_with_what_the_worklist_ranks_by(due_soon, cast, units):
    (row,) = OpenSuggestion.objects.filter(loan=due_soon)
    (s,) = services._open_suggestions(Loan.objects.filter(pk=due_soon.pk), TODAY)[0]  # the computing path
    assert (row.rule.code, row.due, row.priority, row.text, row.why) == (s.rule, s.due, s.priority, s.text, s.why)
    assert (row.collector, row.township, row.loan_no, row.day) == (cast["collector"], units.town_a, "S-1", TODAY)
    assert row.due_ordinal == row.due.toordinal()
    p = Decimal(str(row.probability)) if row.probability is not None else Decimal(1)
    assert row.balance == Decimal("50000.00") and row.expected == (row.balance * p).quantize(Decimal("0.01"))


def test_an_action_that_meets_the_suggestion_closes_its_row_in_the_same_transaction(due_soon, cast):
    me = cast["collector"]
    assert [code for code, _, _ in rows_of(due_soon)] == ["limitation_1m"]
    with pytest.raises(RuntimeError), transaction.atomic():
        # a notice the borrower's relative signed restarts the limitation period: nothing is due any more
        collection.record_action(due_soon, me, acted_on=TODAY, method="letter", outcome_code="met_family", signature="relative")
        assert rows_of(due_soon) == []  # already inside the service's transaction
        raise RuntimeError("roll the whole thing back")
    assert [code for code, _, _ in rows_of(due_soon)] == ["limitation_1m"]  # rolled back with it
    collection.record_action(due_soon, me, acted_on=TODAY, method="letter", outcome_code="met_family", signature="relative")
    assert rows_of(due_soon) == []
    assert services.today(me) == []


def test_done_closes_the_row_and_it_stays_closed_through_a_rebuild(due_soon, cast):
    me = cast["collector"]
    (s,) = services.loan_suggestions(due_soon)
    action = collection.record_action(due_soon, me, acted_on=TODAY, method="visit", outcome_code="no_one")
    assert rows_of(due_soon) == [(s.rule, s.due, s.priority)]  # an unsigned visit does not restart the clock
    services.mark_done(me, due_soon, s.rule, s.due, action)
    assert rows_of(due_soon) == []
    derived.rebuild(only=["suggestions"])
    assert rows_of(due_soon) == []


def test_a_dismissed_suggestion_stays_closed(due_soon, cast):
    me = cast["collector"]
    (s,) = services.loan_suggestions(due_soon)
    services.dismiss(me, due_soon, s.rule, s.due, "借款人下周来网点")
    assert rows_of(due_soon) == []
    assert derived.rebuild(only=["suggestions"])["suggestions"][0] == 0  # nothing to write: it stays away
    assert services.loan_suggestions(due_soon) == [] and services.today(me) == []


def test_an_edited_rule_changes_every_loans_rows(units, cast):
    loans = [testing.loan(f"S-R{n}", testing.borrower(710 + n, "吕二"), units.town_a if n % 2 else units.town_b,
                          units.branch_a, maturity=maturity_ending_in(10 + n)) for n in range(4)]
    rule = SuggestionRule.objects.get(code="limitation_1m")
    before = [rows_of(loan) for loan in loans]
    assert {p for rows in before for _, _, p in rows} == {rule.priority}
    services.save_rule(rule, cast["district_admin"], priority=17, due_in_days=rule.due_in_days - 2)
    assert [rows_of(loan) for loan in loans] == [[(code, due - dt.timedelta(days=2), 17) for code, due, _ in rows]
                                                 for rows in before]
    services.set_enabled(rule, cast["district_admin"], False)
    assert OpenSuggestion.objects.filter(rule__code="limitation_1m").count() == 0


def test_a_new_collector_takes_the_rows_to_their_own_list(units, cast):
    from npl.accounts.choices import Role

    who = testing.borrower(720, "施三")
    loan = testing.loan("S-A1", who, units.town_a, units.branch_a, maturity=maturity_ending_in(5), collector=cast["collector"])
    new = testing.user("liuxi_collector_b", Role.COLLECTOR, town=units.town_a)
    assert [i.loan.pk for i in services.today(cast["collector"])] == [loan.pk]
    services.assign_collector(who, new, township=units.town_a, by=cast["township_admin"])
    assert services.today(cast["collector"]) == [] and [i.loan.pk for i in services.today(new)] == [loan.pk]


@pytest.mark.derived_unchecked("the rows are corrupted on purpose to see the check report them")
def test_a_corrupted_row_a_missing_row_and_an_extra_row_are_reported(due_soon, units, cast):
    other = testing.loan("S-2", testing.borrower(702, "何二"), units.town_a, units.branch_a,
                         maturity=maturity_ending_in(20), collector=cast["collector"])
    calm = testing.loan("S-3", testing.borrower(703, "何三"), units.town_a, units.branch_a, maturity=maturity_ending_in(900))
    assert derived.check(only=["suggestions"]).total == 0
    row = OpenSuggestion.objects.get(loan=due_soon)
    right_due, other_due = row.due, OpenSuggestion.objects.get(loan=other).due
    OpenSuggestion.objects.filter(pk=row.pk).update(due=right_due + dt.timedelta(days=3), priority=1)
    OpenSuggestion.objects.filter(loan=other).delete()
    extra = OpenSuggestion.objects.get(loan=due_soon)
    extra.pk, extra.loan, extra.loan_no = None, calm, calm.loan_no
    extra.save()
    found = derived.check(only=["suggestions"])
    assert found.counts == {"suggestions": 3}
    by_loan = {d.loan_id: d for d in found.examples["suggestions"]}
    wrong = by_loan[due_soon.pk]
    assert wrong.key == "limitation_1m"
    assert (wrong.stored, wrong.computed) == ({"due": right_due + dt.timedelta(days=3), "priority": 1},
                                             {"due": right_due, "priority": row.priority})
    assert by_loan[other.pk].stored is None and by_loan[other.pk].computed["due"] == other_due
    assert by_loan[calm.pk].computed is None
    assert derived.rebuild(only=["suggestions"])["suggestions"][0] == 3
    assert derived.check(only=["suggestions"]).total == 0


def test_npl_derive_check_reports_no_difference_after_the_services(due_soon, cast, capsys):
    services.dismiss(cast["collector"], due_soon, "limitation_1m", TODAY + dt.timedelta(days=10 - 7), "已处理")
    call_command("derive", "--check", "--only", "suggestions")
    assert "共 0 处差异" in capsys.readouterr().out


def test_a_past_day_is_computed_not_read(due_soon):
    OpenSuggestion.objects.all().delete()  # the stored rows are today's only
    earlier = TODAY - dt.timedelta(days=2)
    assert [s.rule for s in services.loan_suggestions(due_soon, earlier)] == ["limitation_1m"]
    assert services.loan_suggestions(due_soon) == []


def worklist_queries(client, n_loans, units, cast, start):
    for n in range(n_loans):
        testing.loan(f"S-Q{start + n:03d}", testing.borrower(800 + start + n, "钱四"), units.town_a, units.branch_a,
                     maturity=maturity_ending_in(3 + n % 5), balance=f"{1000 + n}.00", collector=cast["collector"])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/advice/today/")
    assert page.status_code == 200 and page.content.decode().count('name="reason"') == min(
        OpenSuggestion.objects.filter(collector=cast["collector"]).count(), 30)
    return len(ctx.captured_queries)


def test_the_worklist_page_reads_a_fixed_number_of_queries_however_many_loans(units, cast, client_for):
    client = client_for("collector")
    few = worklist_queries(client, 5, units, cast, 0)
    many = worklist_queries(client, 45, units, cast, 5)  # 50 loans in all
    assert OpenSuggestion.objects.filter(collector=cast["collector"]).count() == 50
    assert many == few


def test_the_worklist_order_in_sql_is_the_computed_order_and_pages_are_its_slices(units, cast):
    me = cast["collector"]
    for n in range(12):
        testing.loan(f"S-O{n:02d}", testing.borrower(900 + n, "孔五"), units.town_a, units.branch_a,
                     maturity=maturity_ending_in(2 + n % 6), balance=f"{5000 + 1371 * (n % 5)}.00", collector=me)
    stored = services.today(me)
    assert isinstance(stored, services.Worklist)
    items = list(stored)
    computed = services.computed_worklist(me, TODAY, services.window_days())  # what a past day would use
    assert [(i.loan.loan_no, i.suggestion.rule, i.score, i.days_left) for i in items] == [
        (i.loan.loan_no, i.suggestion.rule, i.score, i.days_left) for i in computed]
    assert len(items) == len(stored) == 12
    assert stored[3:7] == items[3:7] and stored[0] == items[0] and stored[-1] == items[-1]
    assert services.next_item(me) == items[0]
