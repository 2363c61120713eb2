"""The public interface: each loan's chance of repaying some principal in the next 90 days, with reasons.

The advice app orders worklists by it. The latest stored model stands in when it was trained on
enough history (learn.enough); otherwise the rule baseline does, and its first reason says so
("样本不足，暂用规则估计").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from npl.likelihood import baseline
from npl.likelihood.features import CATEGORY_FEATURES, FEATURE_NAMES, balance_on, categories_on, features, load_facts
from npl.likelihood.learn import Params

FALLBACK_NOTE = "样本不足，暂用规则估计"


@dataclass(frozen=True)
class Score:
    """A loan's estimate: probability, which estimator gave it, and why (Chinese)."""

    probability: float  # 0..1 chance of any principal repayment in the next 90 days
    source: str  # "model" or "baseline"
    reasons: tuple[str, ...]  # Chinese, e.g. ("近180天有还款（+5）", "承诺已履行（+3）")


def current_model():
    """The latest model trained on enough history, or None (the baseline stands in)."""
    from npl.likelihood.models import LikelihoodModel

    return LikelihoodModel.objects.filter(enough=True).order_by("-trained_at", "-pk").first()


def params_of(row) -> Params:
    """A stored model's numbers, ready to score."""
    return Params(tuple(row.features), tuple(row.coefficients), row.intercept, tuple(row.scaler_mean),
                  tuple(row.scaler_scale))


def score_loans(loan_ids, as_of: dt.date | None = None, *, use_model: bool = True,
                categories: dict | None = None) -> dict[int, Score]:
    """Scores of the given loans on `as_of` (default today), in bulk: a few queries whatever their number.

    A loan settled on the day (balance 0) scores 0 with the reason "已结清". `categories` (loan id → the codes it
    is in on `as_of`, as the category engine says, for every loan given) saves the engine query when the caller
    has them already (the suggestions deriver: its facts hold them); only CATEGORY_FEATURES of them are read.
    """
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    ids = list(loan_ids)
    if not ids:
        return {}
    facts = load_facts(ids)
    if categories is None:
        cats = categories_on(ids, as_of)
    else:
        cats = {pk: {c for c in CATEGORY_FEATURES if c in categories[pk]} for pk in ids}
    row = current_model() if use_model else None
    params = params_of(row) if row is not None else None
    if params is not None and tuple(params.features) != FEATURE_NAMES:
        params = None  # a model of an older feature set: the baseline stands in until it is retrained
    rules = None if params is not None else baseline.rules_in_force()
    out = {}
    for pk, f in facts.items():
        balance = balance_on(f, as_of)
        if balance is not None and balance <= 0:
            out[pk] = Score(0.0, "model" if params else "baseline", ("已结清",))
            continue
        x = features(f, cats.get(pk, set()), as_of, balance)
        if params is not None:
            out[pk] = Score(params.probability(x), "model", params.reasons(x))
        else:
            p, reasons = baseline.evaluate(x, rules)
            out[pk] = Score(p, "baseline", (FALLBACK_NOTE, *reasons))
    return out


def score_loan(loan, as_of: dt.date | None = None) -> Score:
    """One loan's score (see score_loans)."""
    pk = getattr(loan, "pk", loan)
    return score_loans([pk], as_of)[pk]

