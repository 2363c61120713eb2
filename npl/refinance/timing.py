"""Processing time per branch: hours from the township's request to disbursement (the seed: three days
in town branches against hours in village ones).

Definitions (docs/litigation.md, "Refinancing"):
- a request counts for the period when it was asked on a day in the period (Asia/Shanghai);
- processing time = disbursement time − request time, for disbursed requests; mean and median in hours,
  computed from exact seconds and rounded half-up to one decimal only when shown;
- open = not yet disbursed, refused or withdrawn; its age runs to `now`;
- each stretch (受理, 补齐资料, 审批, 放款) is the time from the step before it, over disbursed requests.
"""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from npl.refinance.choices import OPEN_STEPS, STRETCHES, Step
from npl.refinance.models import RefinanceRequest, RefinanceStep

TENTH = Decimal("0.1")


def hours(delta: dt.timedelta) -> Decimal:
    """A duration in hours, exact (no float)."""
    seconds = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)
    return seconds / Decimal(3600)


def shown(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class BranchTiming:
    """One branch's row of the table."""

    branch_id: int
    branch: str
    requests: int = 0
    disbursed: int = 0
    refused: int = 0
    withdrawn: int = 0
    open: int = 0
    durations: list = field(default_factory=list)  # exact hours of each disbursed request
    slowest_request: RefinanceRequest | None = None
    oldest_open_hours: Decimal | None = None
    stretch_hours: dict = field(default_factory=dict)  # stretch label → [exact hours]

    @property
    def mean_hours(self) -> Decimal | None:
        return shown(sum(self.durations) / len(self.durations)) if self.durations else None

    @property
    def median_hours(self) -> Decimal | None:
        return shown(statistics.median(self.durations)) if self.durations else None

    @property
    def slowest_hours(self) -> Decimal | None:
        return shown(max(self.durations)) if self.durations else None

    @property
    def stretch_means(self) -> list[tuple[str, Decimal | None]]:
        out = []
        for _, _, label in STRETCHES:
            values = self.stretch_hours.get(label, [])
            out.append((label, shown(sum(values) / len(values)) if values else None))
        return out


def processing_times(requests=None, *, since: dt.date | None = None, until: dt.date | None = None, now=None) -> list[BranchTiming]:
    """One row per branch with requests in the period, slowest mean first (branches with none disbursed last)."""
    now = now or timezone.now()
    qs = (requests if requests is not None else RefinanceRequest.objects.all()).select_related("branch", "loan")
    if since is not None:
        qs = qs.filter(requested_at__date__gte=since)
    if until is not None:
        qs = qs.filter(requested_at__date__lte=until)
    reqs = list(qs)
    steps: dict[int, dict[str, dt.datetime]] = {}
    for req_id, step, at in RefinanceStep.objects.filter(request__in=[r.pk for r in reqs]).order_by("at", "pk").values_list(
        "request_id", "step", "at"
    ):
        steps.setdefault(req_id, {}).setdefault(step, at)  # the first time each step was taken
    rows: dict[int, BranchTiming] = {}
    for req in reqs:
        row = rows.setdefault(req.branch_id, BranchTiming(req.branch_id, req.branch.name))
        row.requests += 1
        if req.status in OPEN_STEPS:
            row.open += 1
            age = hours(now - req.requested_at)
            row.oldest_open_hours = max(age, row.oldest_open_hours or age)
        elif req.status == Step.REFUSED:
            row.refused += 1
        elif req.status == Step.WITHDRAWN:
            row.withdrawn += 1
        elif req.status == Step.DISBURSED and req.disbursed_at is not None:
            row.disbursed += 1
            took = hours(req.disbursed_at - req.requested_at)
            row.durations.append(took)
            if row.slowest_request is None or took > hours(row.slowest_request.disbursed_at - row.slowest_request.requested_at):
                row.slowest_request = req
            seen = steps.get(req.pk, {})
            for start, end, label in STRETCHES:
                if start in seen and end in seen:
                    row.stretch_hours.setdefault(label, []).append(hours(seen[end] - seen[start]))
    for row in rows.values():
        row.oldest_open_hours = shown(row.oldest_open_hours)
    return sorted(rows.values(), key=lambda r: (r.mean_hours is None, -(r.mean_hours or 0), r.branch))
