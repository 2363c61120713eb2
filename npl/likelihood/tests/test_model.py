"""The model: trained on a small built history, stored as numbers, scoring as scikit-learn does; the baseline below the threshold."""
import datetime as dt
import random

import pytest

from npl.core import derived
from npl.likelihood import learn
from npl.likelihood.models import LikelihoodModel
from npl.likelihood.scoring import FALLBACK_NOTE, params_of, score_loans
from npl.likelihood.services import history as history_samples
from npl.likelihood.services import train

D = dt.date
AS_OF = D(2026, 10, 31)


def build(history, n_loans: int, seed: int = 3) -> list:
    """Loans whose borrowers are contacted monthly; the willing ones promise and repay, noisily.

    Each owes 200,000 when the history starts; the bank's snapshot of 31 March 2026 holds what was left
    then, as a real snapshot would (a snapshot blind to the repayments before it would tell the future).
    """
    from decimal import Decimal

    from npl.loans.models import Loan, LoanSnapshot

    rnd = random.Random(seed)
    made = []
    for _ in range(n_loans):
        loan = history.loan("200000.00", amount="250000.00")
        willing = rnd.random() < 0.5
        month = D(2025, 7, 15)
        while month < D(2026, 10, 15):
            if rnd.random() < 0.5:
                outcome = "promised" if willing and rnd.random() < 0.6 else rnd.choice(["no_one", "refused_talk", "met_borrower"])
                promise = {"promise_on": month + dt.timedelta(days=30), "promise_amount": "1000.00"} if outcome == "promised" else {}
                history.act(loan, month, outcome, **promise)
            if rnd.random() < (0.35 if willing else 0.04):
                history.repay(loan, month + dt.timedelta(days=rnd.randint(1, 25)), "1000.00")
            month = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=15)
        paid = {on <= D(2026, 3, 31): 0 for on in (D(2026, 1, 1), D(2026, 5, 1))}
        for r in loan.repayments.all():
            paid[r.paid_on <= D(2026, 3, 31)] += r.principal
        LoanSnapshot.objects.filter(loan=loan).update(principal_balance=Decimal("200000.00") - paid[True])
        Loan.objects.filter(pk=loan.pk).update(principal_balance=Decimal("200000.00") - paid[True] - paid[False])
        derived.refresh([loan.pk], setup=True)  # the snapshot rewritten: its stored rows, as the loans import would leave them
        made.append(loan)
    return made


def test_cutoffs_are_month_ends_whose_window_has_passed():
    assert learn.cutoffs_for(D(2026, 10, 31), D(2026, 1, 10)) == [D(2026, 4, 30), D(2026, 5, 31), D(2026, 6, 30),
                                                                   D(2026, 7, 31)]
    assert learn.cutoffs_for(D(2026, 10, 31), None) == []


def test_below_the_threshold_nothing_is_stored_and_the_baseline_stands_in(history):
    loans = build(history, 4)
    run = train(AS_OF)
    assert run.model is None and run.n_samples < learn.MIN_SAMPLES
    assert not LikelihoodModel.objects.exists()
    score = score_loans([loans[0].pk], AS_OF)[loans[0].pk]
    assert score.source == "baseline" and score.reasons[0] == FALLBACK_NOTE


@pytest.fixture
def rich(history):
    return build(history, 60)


def test_the_model_trains_deterministically_and_then_scores_every_loan(rich):
    first, second = train(AS_OF), train(AS_OF)
    assert first.model is not None and first.model.enough
    assert first.n_samples >= learn.MIN_SAMPLES and first.n_positive >= learn.MIN_POSITIVES
    assert len(first.cutoffs) >= learn.MIN_CUTOFFS
    assert first.model.coefficients == second.model.coefficients and first.model.intercept == second.model.intercept
    scores = score_loans([x.pk for x in rich], AS_OF)
    assert {s.source for s in scores.values()} == {"model"}
    assert all(0 < s.probability < 1 and s.reasons for s in scores.values())
    # It learnt the world it was shown: on average, loans repaid in the last 180 days outrank the others.
    from npl.collection.models import Repayment

    recent = set(Repayment.objects.filter(paid_on__gt=AS_OF - dt.timedelta(days=180)).values_list("loan_id", flat=True))
    mean = lambda pks: sum(scores[pk].probability for pk in pks) / len(pks)  # noqa: E731
    assert mean([pk for pk in scores if pk in recent]) > 2 * mean([pk for pk in scores if pk not in recent])


def test_the_stored_numbers_reproduce_scikit_learns_predictions(rich):
    run = train(AS_OF)
    rows = history_samples(AS_OF)
    stored = params_of(LikelihoodModel.objects.get(pk=run.model.pk))
    theirs = learn.sklearn_pipeline_probabilities(rows, rows)
    assert max(abs(stored.probability(s.x) - p) for s, p in zip(rows, theirs)) < 1e-9


def test_the_model_beats_chance_on_its_own_later_cutoffs(rich):
    rows = history_samples(AS_OF)
    cutoffs = sorted({s.cutoff for s in rows})
    held = cutoffs[-2:]
    params = learn.fit([s for s in rows if s.cutoff + dt.timedelta(days=90) <= held[0]])
    test = [s for s in rows if s.cutoff in held]
    assert learn.auc([bool(s.y) for s in test], [params.probability(s.x) for s in test]) > 0.7


def test_the_calibration_table_has_deciles_of_predicted_and_observed():
    table = learn.calibration_table([False] * 8 + [True] * 2, [i / 10 for i in range(10)])
    assert [row["n"] for row in table] == [1] * 10
    assert table[-1] == {"decile": 10, "n": 1, "predicted": 0.9, "observed": 1.0}
    assert learn.brier([True, False], [1.0, 0.0]) == 0.0


@pytest.mark.parametrize("size, tidied", [(4, 0), (60, 1)])
def test_the_train_command_tidies_the_database_only_when_it_stored_a_model(history, size, tidied, monkeypatch):
    # A stored model rewrites every loan's suggestions (their scores): the command clears the old row versions.
    from django.core.management import call_command

    from npl.core import bulk

    build(history, size)
    calls = []
    monkeypatch.setattr(bulk, "tidy_after_bulk", lambda: calls.append(1))
    call_command("likelihood", "train", "--as-of", AS_OF.isoformat(), stdout=None)
    assert LikelihoodModel.objects.exists() == bool(tidied) and len(calls) == tidied
