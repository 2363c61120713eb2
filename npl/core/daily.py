"""The daily jobs `npl collection sweep` runs, registered by the apps that own them (as `derived` registers
derivers): the collection's pass over promises, plans and suspensions, then the waivers' (a plan broken today
voids its waiver), then the purge of expired document batches. Each job returns its counts by key; the command
prints them with their labels in the jobs' order. This module is in `core`, so the command (in `collection`)
runs jobs of apps above it without importing them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DailyJob:
    """One app's part of the daily sweep."""

    name: str
    order: int  # lower runs first: a later job may depend on what an earlier one changed today
    run: Callable[[dt.date], dict[str, int]]  # the day → counts by key (safe to rerun for the same day)
    labels: tuple[tuple[str, str], ...]  # (key, Chinese label) of the counts it reports, in output order


_REGISTRY: dict[str, DailyJob] = {}


def register(job: DailyJob) -> DailyJob:
    """Add a daily job (from an AppConfig.ready()); registering a name again replaces it."""
    if not job.name:
        raise ValueError("a DailyJob needs a name")
    _REGISTRY[job.name] = job
    return job


def jobs() -> list[DailyJob]:
    """The registered daily jobs in the order they run."""
    return sorted(_REGISTRY.values(), key=lambda j: (j.order, j.name))


def run_all(day: dt.date) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Run every job for `day` in order: their counts (0 for a key a job did not report) and (key, label)s."""
    counts: dict[str, int] = {}
    labels: list[tuple[str, str]] = []
    for job in jobs():
        done = job.run(day)
        for key, label in job.labels:
            counts[key] = done.get(key, 0)
            labels.append((key, label))
    return counts, labels
