"""The rule baseline: points that hold are summed, mapped by the fixed curve, and named as reasons."""
import datetime as dt

import pytest

from npl.likelihood import baseline
from npl.likelihood.features import FEATURE_NAMES
from npl.likelihood.models import BaselineRule
from npl.likelihood.scoring import FALLBACK_NOTE, score_loan, score_loans

D = dt.date
TODAY = D(2026, 9, 30)


def row(**values):
    x = dict.fromkeys(FEATURE_NAMES, 0.0)
    x.update(values)
    return x


def test_the_calibration_is_the_documented_curve():
    assert baseline.calibrate(0) == pytest.approx(0.0998, abs=1e-4)
    assert baseline.calibrate(5) == pytest.approx(0.3318, abs=1e-4)
    assert baseline.calibrate(-5) == pytest.approx(0.0241, abs=1e-4)


def test_a_recent_repayment_and_a_kept_promise_add_their_points_and_say_so():
    p, reasons = baseline.evaluate(row(repayments_180=2, promises_kept=1), baseline.DEFAULT_RULES)
    assert p == pytest.approx(baseline.calibrate(8))
    assert reasons == ("近180天有还款（+5）", "承诺已履行（+3）")


def test_a_deceased_borrower_with_no_action_for_180_days_scores_low_with_both_reasons():
    p, reasons = baseline.evaluate(row(cat_deceased=1, no_action_180=1), baseline.DEFAULT_RULES)
    assert p == pytest.approx(baseline.calibrate(-6))
    assert reasons == ("借款人已死亡（-4）", "180天无催收（-2）")


def test_nothing_for_or_against_says_so():
    p, reasons = baseline.evaluate(row(), baseline.DEFAULT_RULES)
    assert p == pytest.approx(baseline.calibrate(0)) and reasons == ("无加减分项",)


@pytest.mark.django_db
def test_the_points_table_is_loaded_by_the_migration_and_officials_may_change_a_rule():
    assert BaselineRule.objects.count() == len(baseline.DEFAULT_RULES)
    BaselineRule.objects.filter(code="recent_repayment").update(points=7)
    BaselineRule.objects.filter(code="promise_kept").update(active=False)
    p, reasons = baseline.evaluate(row(repayments_180=1, promises_kept=1), baseline.rules_in_force())
    assert p == pytest.approx(baseline.calibrate(7)) and reasons == ("近180天有还款（+7）",)


def test_without_a_model_a_loan_is_scored_by_the_baseline_which_says_why(history):
    paying = history.loan()
    history.repay(paying, D(2026, 8, 1))
    history.act(paying, D(2026, 7, 1), "promised", promise_on=D(2026, 8, 15), promise_amount="500.00")
    silent = history.loan()
    scores = score_loans([paying.pk, silent.pk], TODAY)
    assert scores[paying.pk].source == "baseline"
    assert scores[paying.pk].reasons[0] == FALLBACK_NOTE
    assert "近180天有还款（+5）" in scores[paying.pk].reasons and "承诺已履行（+3）" in scores[paying.pk].reasons
    assert scores[silent.pk].reasons == (FALLBACK_NOTE, "180天无催收（-2）")
    assert scores[paying.pk].probability > 0.5 > 0.1 > scores[silent.pk].probability
    assert score_loan(paying, TODAY) == scores[paying.pk]


def test_a_settled_loan_scores_nothing(history):
    settled = history.loan("1000.00")
    history.repay(settled, D(2026, 5, 1), "1000.00")
    assert score_loan(settled, TODAY).probability == 0.0
    assert score_loan(settled, TODAY).reasons == ("已结清",)
