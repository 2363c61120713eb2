"""The rule baseline: a transparent points table mapped to a probability by a fixed calibration.

It stands in until the platform's history is rich enough to learn from (see scoring.py). Each rule
is a condition on the loan's features on the day (features.py) and a number of points; the points of
the rules that hold are added and mapped to a probability by a fixed logistic curve:

    probability = 1 / (1 + exp(-(INTERCEPT + SLOPE × points)))     INTERCEPT = -2.2, SLOPE = 0.3

so 0 points ≈ 10 % (about the share of non-performing loans that repay some principal in a quarter),
+5 ≈ 33 %, +10 ≈ 69 %, -5 ≈ 2.4 %. The points are data (`BaselineRule`, admin screen, default rows
from the data migration); the conditions are code, named by the rule's `code`.
"""
from __future__ import annotations

import math
from collections.abc import Callable

INTERCEPT = -2.2
SLOPE = 0.3


# code → condition on a feature row (features.FEATURE_NAMES)
CONDITIONS: dict[str, Callable[[dict], bool]] = {
    "recent_repayment": lambda x: x["repayments_180"] > 0,
    "promise_kept": lambda x: x["promises_kept"] > 0,
    "promise_open": lambda x: x["promise_open"] > 0,
    "contact_made": lambda x: (x["last_contact"] or x["last_promise"]) and not x["no_action_180"],
    "promise_broken": lambda x: x["promises_broken"] > 0,
    "refused": lambda x: x["last_refused"] > 0,
    "hardship": lambda x: x["last_hardship"] > 0,
    "unreachable": lambda x: x["last_unreachable"] > 0 or x["last_lost"] > 0,
    "lost_contact": lambda x: x["cat_lost_contact"] > 0,
    "deceased": lambda x: x["cat_deceased"] > 0,
    "imprisoned": lambda x: x["cat_imprisoned"] > 0,
    "no_action_180": lambda x: x["no_action_180"] > 0,
    "enforcing": lambda x: x["lit_enforcing"] > 0,
    "mortgage": lambda x: x["mortgage"] > 0,
}

# The default table (loaded by the data migration; officials change it in the admin).
DEFAULT_RULES: tuple[tuple[str, str, int], ...] = (
    ("recent_repayment", "近180天有还款", 5),
    ("promise_kept", "承诺已履行", 3),
    ("promise_open", "有未到期的还款承诺", 2),
    ("contact_made", "近期与借款人或家属有接触", 2),
    ("enforcing", "法院执行中", 1),
    ("mortgage", "有抵押物", 1),
    ("promise_broken", "有违约的还款承诺", -2),
    ("refused", "借款人拒绝还款", -2),
    ("hardship", "借款人称无还款能力", -1),
    ("unreachable", "上次催收未联系上", -2),
    ("lost_contact", "借款人无法联系", -4),
    ("deceased", "借款人已死亡", -4),
    ("imprisoned", "借款人在服刑", -4),
    ("no_action_180", "180天无催收", -2),
)


def calibrate(points: float) -> float:
    """The fixed calibration: points → probability."""
    return 1 / (1 + math.exp(-(INTERCEPT + SLOPE * points)))


def evaluate(x: dict, rules) -> tuple[float, tuple[str, ...]]:
    """(probability, reasons) of one feature row under `rules` ((code, reason, points) triples).

    Reasons are those of the rules that hold, largest effect first, each with its points, e.g.
    "近180天有还款（+5）"; with none, "无加减分项".
    """
    hits = [(reason, points) for code, reason, points in rules if points and CONDITIONS[code](x)]
    total = sum(points for _, points in hits)
    hits.sort(key=lambda h: -abs(h[1]))
    reasons = tuple(f"{reason}（{points:+d}）" for reason, points in hits) or ("无加减分项",)
    return calibrate(total), reasons


def rules_in_force() -> list[tuple[str, str, int]]:
    """The active rules of the table (the defaults when the table is empty, e.g. before migrating data)."""
    from npl.likelihood.models import BaselineRule

    rows = list(BaselineRule.objects.filter(active=True).values_list("code", "reason", "points"))
    if not BaselineRule.objects.exists():
        return list(DEFAULT_RULES)
    return [r for r in rows if r[0] in CONDITIONS]
