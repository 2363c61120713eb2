"""Training the likelihood model on the platform's history: the one service that writes a model."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min

from npl.core import derived
from npl.likelihood import learn
from npl.likelihood.features import Sample, samples
from npl.likelihood.models import LikelihoodModel


def earliest_fact() -> dt.date | None:
    """The first day the platform knows anything of collection (a repayment or a ledger row)."""
    from npl.collection.models import CollectionAction, Repayment

    days = [Repayment.objects.filter(confirmed=True).aggregate(d=Min("paid_on"))["d"],
            CollectionAction.objects.aggregate(d=Min("acted_on"))["d"]]
    days = [d for d in days if d]
    return min(days) if days else None


def history(as_of: dt.date, cutoffs=None, loan_ids=None) -> list[Sample]:
    """Labelled samples of every loan on every cutoff whose 90-day window has passed by `as_of`."""
    from npl.loans.models import Loan

    cutoffs = learn.cutoffs_for(as_of, earliest_fact()) if cutoffs is None else cutoffs
    ids = list(Loan.objects.values_list("pk", flat=True)) if loan_ids is None else list(loan_ids)
    return samples(ids, cutoffs) if cutoffs and ids else []


@dataclass
class Training:
    """What a training run found: the model row (None when the history was too thin) and its counts."""

    model: LikelihoodModel | None
    n_samples: int
    n_positive: int
    cutoffs: list


def train(as_of: dt.date | None = None, *, loan_ids=None) -> Training:
    """Fit the model on all history up to `as_of` (default today) and store it when the history is enough.

    Below the threshold (learn.enough) nothing is stored and the rule baseline keeps standing in.
    The stored metrics are in-sample (AUC, Brier); benchmarks/likelihood.py gives the time-based hold-out.
    """
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    rows = history(as_of, loan_ids=loan_ids)
    cutoffs = sorted({s.cutoff for s in rows})
    positives = sum(bool(s.y) for s in rows)
    if not learn.enough(len(rows), positives, len(cutoffs)):
        return Training(None, len(rows), positives, cutoffs)
    params = learn.fit(rows)
    y = [bool(s.y) for s in rows]
    p = [params.probability(s.x) for s in rows]
    with derived.deferred():
        model = LikelihoodModel.objects.create(
            as_of=as_of, cutoffs=[c.isoformat() for c in cutoffs], n_samples=len(rows), n_positive=positives,
            enough=True, features=list(params.features), coefficients=list(params.coefficients),
            intercept=params.intercept, scaler_mean=list(params.mean), scaler_scale=list(params.scale),
            metrics={"in_sample_auc": learn.auc(y, p), "in_sample_brier": learn.brier(y, p),
                     "top_coefficients": learn.top_coefficients(params)},
        )
        derived.refresh(source="likelihood")  # the worklists are ordered by the new scores
    return Training(model, len(rows), positives, cutoffs)
