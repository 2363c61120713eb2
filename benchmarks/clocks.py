"""The stored legal clocks (issue 16) on an existing database: a full rebuild against the old per-request computation.

Run it on a demo district (its own NPL_DATA_DIR / DATABASE_URL, e.g. after `npl demo --loans 20000`); it rewrites
that database's collection.LoanClock rows, nothing else:

    NPL_DATA_DIR=/tmp/demo DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo .venv/bin/python benchmarks/clocks.py

Times, in the same run:
  baseline   compute_clocks(all loans, today) as `npl report clocks` computed it (no ledger labels, no guarantors)
  rebuild    derived.rebuild(only=["clocks"]) with every row already current (the daily sweep on a quiet night)
  from empty the same after deleting every row (the first rebuild: every row inserted)
  check      `npl derive --check --only clocks` (recompute and compare)
  report     `npl report clocks` for the whole district from the stored rows
and prints loans per second, the ratio to the baseline, and the minutes 1M loans would take at that rate.
"""
from __future__ import annotations

import os
import sys
import time


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    import django

    django.setup()
    from django.db import connection

    from npl.collection.clocks import clocks_report, compute_clocks
    from npl.collection.models import LoanClock
    from npl.core import derived
    from npl.loans.models import Loan

    day = derived.today()
    n = Loan.objects.count()
    if not n:
        print("no loans: run `npl demo --loans N` on this database first", file=sys.stderr)
        return 2
    print(f"{connection.vendor}, {n} loans, day {day}")

    def timed(label, fn):
        started = time.perf_counter()
        out = fn()
        return label, time.perf_counter() - started, out

    runs = [timed("baseline (report computation)", lambda: sum(1 for _ in compute_clocks(Loan.objects.all(), day)))]
    runs.append(timed("rebuild, rows current", lambda: derived.rebuild(only=["clocks"], day=day)["clocks"][0]))
    LoanClock.objects.all().delete()
    runs.append(timed("rebuild from empty", lambda: derived.rebuild(only=["clocks"], day=day)["clocks"][0]))
    runs.append(timed("check", lambda: derived.check(only=["clocks"], day=day).total))
    runs.append(timed("report from stored rows", lambda: len(clocks_report(as_of=day)["loans"])))
    base = runs[0][1]
    print(f"{'what':32} {'seconds':>8} {'loans/s':>9} {'× baseline':>11} {'1M loans, min':>14}  result")
    for label, seconds, out in runs:
        print(f"{label:32} {seconds:8.1f} {n / seconds:9.0f} {seconds / base:11.2f} {1e6 / (n / seconds) / 60:14.1f}  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
