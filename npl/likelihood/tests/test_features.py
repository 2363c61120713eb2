"""Features on a cutoff day read only facts dated on or before it; the label is the 90 days after."""
import datetime as dt

from npl.likelihood.features import balance_on, categories_on, features, label, load_facts, promise_states

D = dt.date
T = D(2026, 6, 30)


def facts_of(loan):
    return load_facts([loan.pk])[loan.pk]


def test_a_repayment_after_the_cutoff_changes_no_feature_on_it(history):
    loan = history.loan()
    history.repay(loan, D(2026, 5, 10))
    history.act(loan, D(2026, 6, 1), "promised", promise_on=D(2026, 7, 20), promise_amount="2000.00")
    before = features(facts_of(loan), set(), T)
    history.repay(loan, D(2026, 7, 5), "5000.00")
    history.act(loan, D(2026, 7, 6), "refused_talk")
    assert features(facts_of(loan), set(), T) == before
    assert before["promise_open"] == 1 and before["promises_kept"] == 0  # kept only on 5 July, after T


def test_the_label_is_any_principal_repaid_in_the_90_days_after_the_cutoff(history):
    on_day, last_day, too_late, interest_only = history.loan(), history.loan(), history.loan(), history.loan()
    history.repay(on_day, T)  # on the cutoff itself: known at T, not in the window
    history.repay(last_day, T + dt.timedelta(days=90))
    history.repay(too_late, T + dt.timedelta(days=91))
    history.repay(interest_only, D(2026, 8, 1), "0.00", interest="300.00")
    assert [label(facts_of(x), T) for x in (on_day, last_day, too_late, interest_only)] == [False, True, False, False]


def test_the_balance_before_the_first_snapshot_is_carried_back_from_it(history):
    loan = history.loan("80000.00", amount="100000.00")  # the bank's snapshot on 31 March 2026
    history.repay(loan, D(2025, 12, 1), "15000.00")  # inside the snapshot
    history.repay(loan, D(2026, 5, 1), "10000.00")  # after it
    f = facts_of(loan)
    assert balance_on(f, D(2025, 11, 30)) == 95000.0
    assert balance_on(f, D(2026, 1, 31)) == 80000.0
    assert balance_on(f, D(2026, 5, 31)) == 70000.0


def test_promises_are_judged_as_they_stood_on_the_day(history):
    loan = history.loan()
    history.act(loan, D(2026, 3, 1), "promised", promise_on=D(2026, 3, 31), promise_amount="1000.00")
    history.act(loan, D(2026, 4, 10), "promised", promise_on=D(2026, 5, 10), promise_amount="1000.00")
    history.repay(loan, D(2026, 5, 5), "1000.00")
    f = facts_of(loan)
    assert promise_states(f, D(2026, 3, 20)) == (0, 0, 1)
    assert promise_states(f, D(2026, 4, 30)) == (0, 1, 1)
    assert promise_states(f, D(2026, 5, 31)) == (1, 1, 0)


def test_ledger_outcomes_count_by_their_code_or_their_imported_text(history):
    coded, imported = history.loan(), history.loan()
    history.act(coded, D(2026, 6, 1), "lost_contact")
    history.act(imported, D(2026, 6, 1), "")
    from npl.collection.models import CollectionAction

    CollectionAction.objects.filter(loan=imported).update(outcome="号码已停机")
    assert features(facts_of(coded), set(), T)["last_lost"] == 1
    assert features(facts_of(imported), set(), T)["last_lost"] == 1


def test_categories_are_those_in_force_on_the_day(loans):
    lost = loans["LA003"]  # on the lost-contact roster from conftest.ROSTER_FROM
    from npl.conftest import ROSTER_FROM

    assert "lost_contact" not in categories_on([lost.pk], ROSTER_FROM - dt.timedelta(days=1))[lost.pk]
    assert "lost_contact" in categories_on([lost.pk], ROSTER_FROM)[lost.pk]
    sued = loans["LA002"]  # the bank sued on 10 February 2026
    assert "litigation" in categories_on([sued.pk], D(2026, 2, 10))[sued.pk]
    assert "litigation" not in categories_on([sued.pk], D(2026, 2, 9))[sued.pk]
