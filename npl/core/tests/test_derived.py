"""The derived-rows framework: refresh in the caller's transaction, deferred blocks run once, check finds drift."""
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from npl import testing
from npl.core import derived
from npl.core.models import Setting
from npl.loans.models import Loan

pytestmark = [pytest.mark.django_db, pytest.mark.derived_unchecked("the toy deriver is registered only inside each test")]


class Balances(derived.Deriver):
    """A toy deriver: each loan's balance copied into a Setting row `toy:<pk>`."""

    name, label, order = "toy", "测试用余额副本", 1

    def __init__(self):
        self.calls = []

    def refresh(self, loan_ids, day):
        self.calls.append(None if loan_ids is None else sorted(loan_ids))
        qs = Loan.objects.all() if loan_ids is None else Loan.objects.filter(pk__in=loan_ids)
        n = 0
        for pk, balance in qs.values_list("pk", "principal_balance"):
            Setting.objects.update_or_create(key=f"toy:{pk}", defaults={"value": str(balance)})
            n += 1
        return n

    def differences(self, day):
        stored = {int(s.key[4:]): Decimal(s.value) for s in Setting.objects.filter(key__startswith="toy:")}
        for pk, balance in Loan.objects.values_list("pk", "principal_balance"):
            if stored.get(pk) != balance:
                yield derived.Difference("toy", pk, "balance", stored.get(pk), balance)


@pytest.fixture
def toy():
    saved = dict(derived._REGISTRY)
    derived._REGISTRY.clear()
    deriver = derived.register(Balances())
    yield deriver
    derived._REGISTRY.clear()
    derived._REGISTRY.update(saved)


@pytest.fixture
def two_loans(toy):
    """Two loans with no stored toy rows yet (the builder's own refresh undone)."""
    town = testing.township("柳溪镇")
    branch = testing.branch("柳溪支行", town)
    who = testing.borrower(1, "张三")
    made = [testing.loan("T1", who, town, branch), testing.loan("T2", who, town, branch, balance="500.00")]
    toy.calls.clear()
    Setting.objects.filter(key__startswith="toy:").delete()
    return made


def test_refresh_stores_the_rows_of_the_loans_named(toy, two_loans):
    a, b = two_loans
    assert derived.refresh([a.pk]) == {"toy": 1}
    assert Setting.objects.get(key=f"toy:{a.pk}").value == "100000.00"
    assert not Setting.objects.filter(key=f"toy:{b.pk}").exists()
    assert derived.check().counts == {"toy": 1}


def test_a_deferred_block_runs_each_deriver_once_over_the_union(toy, two_loans):
    a, b = two_loans
    with derived.deferred():
        derived.refresh([a.pk])
        derived.refresh([b.pk])
        assert toy.calls == []
    assert toy.calls == [sorted([a.pk, b.pk])]
    assert derived.check().total == 0


def test_refreshing_everything_inside_a_block_wins_over_loan_lists(toy, two_loans):
    a, _ = two_loans
    with derived.deferred():
        derived.refresh([a.pk])
        derived.refresh()
    assert toy.calls == [None]


def test_a_failed_block_stores_nothing(toy, two_loans):
    a, _ = two_loans
    with pytest.raises(RuntimeError), derived.deferred():
        derived.refresh([a.pk])
        raise RuntimeError("the import failed")
    assert toy.calls == []
    assert not Setting.objects.filter(key__startswith="toy:").exists()


def test_a_refresh_rolls_back_with_its_transaction(toy, two_loans):
    a, _ = two_loans
    with pytest.raises(RuntimeError), transaction.atomic():
        derived.refresh([a.pk])
        raise RuntimeError("the service failed after its refresh")
    assert not Setting.objects.filter(key__startswith="toy:").exists()


def test_check_names_the_loan_and_the_stored_and_computed_values(toy, two_loans):
    a, _ = two_loans
    derived.rebuild()
    Loan.objects.filter(pk=a.pk).update(principal_balance=Decimal("1.00"))
    found = derived.check()
    assert found.total == 1
    (diff,) = found.examples["toy"]
    assert (diff.loan_id, diff.stored, diff.computed) == (a.pk, Decimal("100000.00"), Decimal("1.00"))
    assert "存储为" in diff.text() and "重算为" in diff.text()


def test_the_command_checks_and_exits_1_on_differences_then_rebuilds(toy, two_loans, capsys):
    with pytest.raises(SystemExit) as stop:
        call_command("derive", "--check")
    assert stop.value.code == 1
    assert "共 2 处差异" in capsys.readouterr().out
    call_command("derive")
    assert "更新 2 行" in capsys.readouterr().out
    call_command("derive", "--check")
    assert "共 0 处差异" in capsys.readouterr().out


def test_an_unknown_name_is_refused_in_chinese(toy, capsys):
    with pytest.raises(SystemExit) as stop:
        call_command("derive", "--only", "nothing")
    assert stop.value.code == 2
    assert "未知的派生数据：nothing" in capsys.readouterr().err


class Reader(Balances):
    """A second toy deriver, reading the first and the calendar."""

    name, label, order, reads = "toy_reader", "测试用下游", 2, frozenset({"toy", "calendar"})

    def refresh(self, loan_ids, day):
        self.calls.append(None if loan_ids is None else sorted(loan_ids))
        return 0

    def differences(self, day):
        return iter(())


def test_a_source_runs_the_derivers_reading_it_and_those_downstream(toy, two_loans):
    toy.reads = frozenset({"roster"})
    reader = derived.register(Reader())
    derived.refresh(source="likelihood")
    assert (toy.calls, reader.calls) == ([], [])
    derived.refresh(source="calendar")
    assert (toy.calls, reader.calls) == ([], [None])
    derived.refresh([two_loans[0].pk], source="roster")
    assert (toy.calls, reader.calls) == ([[two_loans[0].pk]], [None, [two_loans[0].pk]])
    with pytest.raises(ValueError):
        derived.refresh(source="weather")


def test_writing_a_loan_event_refreshes_its_loan_at_the_end_of_the_service(toy, two_loans):
    from npl.loans.choices import EventKind
    from npl.loans.models import LoanEvent

    a, b = two_loans
    with derived.deferred():
        LoanEvent.objects.create(loan=a, kind=EventKind.NOTE, note="一")
        LoanEvent.objects.bulk_create([LoanEvent(loan=b, kind=EventKind.NOTE, note="二")])
        Loan.objects.filter(pk=b.pk).update(principal_balance=Decimal("7.00"))  # after the event, before the end
        assert toy.calls == []
    assert toy.calls == [sorted([a.pk, b.pk])]
    assert derived.check().total == 0


def test_a_partial_refresh_before_the_rows_were_ever_complete_covers_every_loan(toy, two_loans):
    a, b = two_loans
    Setting.objects.filter(key="derived_complete:toy").delete()  # a fresh database: never computed for every loan
    assert not derived.current("toy")
    derived.refresh([a.pk])
    assert toy.calls == [None]
    assert Setting.objects.filter(key=f"toy:{b.pk}").exists() and derived.current("toy")


def test_the_rows_answer_for_today_only_after_every_loans_rows_were_computed_today(toy, two_loans):
    import datetime as dt

    today = derived.today()
    derived.rebuild(day=today - dt.timedelta(days=1))  # yesterday's sweep
    assert derived.complete_on("toy") == today - dt.timedelta(days=1) and not derived.current("toy")
    derived.refresh([two_loans[0].pk])  # one loan changed today: the others' rows are still yesterday's
    assert not derived.current("toy")
    derived.rebuild()  # today's sweep
    assert derived.current("toy") and not derived.current("toy", today - dt.timedelta(days=1))


def test_within_one_reading_the_completeness_days_are_read_once_and_a_new_mark_is_seen(toy, two_loans,
                                                                                      django_assert_num_queries):
    import datetime as dt

    derived.rebuild(day=derived.today() - dt.timedelta(days=1))
    with derived.one_reading():
        with django_assert_num_queries(1):
            assert not derived.current("toy")
            assert derived.complete_on("toy") == derived.today() - dt.timedelta(days=1)
            assert derived.complete_on("another") is None
        derived.rebuild()  # the sweep ends inside the block: its mark is seen
        assert derived.current("toy")


def test_a_query_the_page_makes_anyway_may_carry_the_completeness_days(toy, two_loans, django_assert_num_queries):
    import datetime as dt

    derived.rebuild(day=derived.today() - dt.timedelta(days=1))
    with derived.one_reading():
        loan = Loan.objects.annotate(**derived.complete_annotations()).get(pk=two_loans[0].pk)
        with django_assert_num_queries(0):
            derived.take_complete(loan)
            assert not derived.current("toy")
            assert derived.complete_on("toy") == derived.today() - dt.timedelta(days=1)
        derived.rebuild()  # the sweep ends inside the block: its mark is seen, as without the annotations
        assert derived.current("toy")
    with derived.one_reading():  # a row fetched without them: the days are read as before
        derived.take_complete(Loan.objects.get(pk=two_loans[0].pk))
        with django_assert_num_queries(1):
            assert derived.current("toy")
