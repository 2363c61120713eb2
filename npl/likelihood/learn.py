"""Learning from the platform's history: cutoffs, fitting, the stored parameters, and the evaluation figures.

The model is a scikit-learn logistic regression on standard-scaled features (features.FEATURES). It is
kept as plain numbers (coefficients, intercept, the scaler's means and scales), so scoring is
arithmetic here and needs neither pickle nor scikit-learn at run time; `predict` reproduces
scikit-learn's `predict_proba` to rounding.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

from npl.likelihood.features import FEATURE_LABELS, FEATURE_NAMES, HORIZON_DAYS, Sample, vector

# "Enough history" for the model to stand in for the rule baseline.
MIN_SAMPLES = 500
MIN_POSITIVES = 50
MIN_CUTOFFS = 3
# Cutoffs start once this much history lies behind them (features look back 180 days).
WARM_UP_DAYS = 90
REGULARISATION_C = 0.5


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from `first`'s month to `last` (inclusive, when a month end)."""
    out, y, m = [], first.year, first.month
    while True:
        day = dt.date(y, m, calendar.monthrange(y, m)[1])
        if day > last:
            return out
        if day >= first:
            out.append(day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def cutoffs_for(as_of: dt.date, earliest: dt.date | None) -> list[dt.date]:
    """Monthly cutoffs whose 90-day label window has passed by `as_of`, after a warm-up from the first fact."""
    if earliest is None:
        return []
    return month_ends(earliest + dt.timedelta(days=WARM_UP_DAYS), as_of - dt.timedelta(days=HORIZON_DAYS))


def enough(n_samples: int, n_positive: int, n_cutoffs: int) -> bool:
    """Whether the history is rich enough for the model to replace the baseline."""
    return n_samples >= MIN_SAMPLES and n_positive >= MIN_POSITIVES and n_cutoffs >= MIN_CUTOFFS


@dataclass(frozen=True)
class Params:
    """A fitted model as numbers: what is stored and what scores."""

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def z(self, x: dict) -> float:
        return self.intercept + sum(c * (x[f] - m) / s for f, c, m, s in
                                    zip(self.features, self.coefficients, self.mean, self.scale))

    def probability(self, x: dict) -> float:
        z = self.z(x)
        return 1 / (1 + math.exp(-z)) if z > -700 else 0.0

    def reasons(self, x: dict, top: int = 3) -> tuple[str, ...]:
        """The features that move this loan's estimate most, from the average loan, with their direction."""
        parts = [(FEATURE_LABELS.get(f, f), c * (x[f] - m) / s)
                 for f, c, m, s in zip(self.features, self.coefficients, self.mean, self.scale)]
        parts = [p for p in parts if abs(p[1]) >= 0.05]
        parts.sort(key=lambda p: -abs(p[1]))
        return tuple(f"{label}（{'提高' if v > 0 else '降低'}）" for label, v in parts[:top])


def fit(rows: list[Sample]) -> Params:
    """Fit the logistic regression on labelled samples (deterministic: lbfgs, fixed C)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.array([vector(s.x) for s in rows], dtype=float)
    y = np.array([bool(s.y) for s in rows], dtype=int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION_C, max_iter=5000))
    pipe.fit(X, y)
    scaler, lr = pipe[0], pipe[1]
    return Params(FEATURE_NAMES, tuple(float(c) for c in lr.coef_[0]), float(lr.intercept_[0]),
                  tuple(float(v) for v in scaler.mean_), tuple(float(v) for v in scaler.scale_))


def sklearn_pipeline_probabilities(rows: list[Sample], train: list[Sample]):
    """scikit-learn's own predictions for `rows` after fitting on `train` (for checking the stored numbers)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION_C, max_iter=5000))
    pipe.fit(np.array([vector(s.x) for s in train]), np.array([bool(s.y) for s in train], dtype=int))
    return pipe.predict_proba(np.array([vector(s.x) for s in rows]))[:, 1]


def top_coefficients(p: Params, n: int = 8) -> list[tuple[str, float]]:
    """(Chinese label, coefficient per standard deviation), largest first: what the model leans on."""
    pairs = sorted(zip(p.features, p.coefficients), key=lambda fc: -abs(fc[1]))
    return [(FEATURE_LABELS.get(f, f), round(c, 3)) for f, c in pairs[:n]]


# --- evaluation ------------------------------------------------------------------------------------------
def auc(y: list[bool], p: list[float]) -> float | None:
    """Area under the ROC curve (None when only one class is present)."""
    from sklearn.metrics import roc_auc_score

    if len(set(y)) < 2:
        return None
    return float(roc_auc_score([int(v) for v in y], p))


def brier(y: list[bool], p: list[float]) -> float:
    """Mean squared gap between the probability and the outcome (lower is better)."""
    return sum((pi - float(yi)) ** 2 for yi, pi in zip(y, p)) / max(len(y), 1)


def calibration_table(y: list[bool], p: list[float], bins: int = 10) -> list[dict]:
    """Deciles of the predicted probability: count, mean predicted, observed rate."""
    # By prediction only: sorting ties by outcome too would pile a tied score's positives into the upper decile.
    pairs = sorted(zip(p, y), key=lambda pair: pair[0])
    n = len(pairs)
    out = []
    for b in range(bins):
        chunk = pairs[b * n // bins:(b + 1) * n // bins]
        if not chunk:
            continue
        out.append({"decile": b + 1, "n": len(chunk), "predicted": sum(c[0] for c in chunk) / len(chunk),
                    "observed": sum(c[1] for c in chunk) / len(chunk)})
    return out


def evaluation(y: list[bool], p: list[float]) -> dict:
    """AUC, Brier score, base rate and the calibration deciles of one set of predictions."""
    return {"n": len(y), "positive_rate": sum(y) / max(len(y), 1), "auc": auc(y, p), "brier": brier(y, p),
            "calibration": calibration_table(y, p)}
