#!/usr/bin/env python3
"""Benchmark: the stored open suggestions (issue 16) on a demo district you have loaded.

Against the database of DATABASE_URL / NPL_DATA_DIR (e.g. after `npl demo --loans 20000`), in one run:
  1. the computing path over every loan (`services._open_suggestions`, what `npl advise` did before the
     rows were stored) — the baseline — with where its time goes (facts.build_facts by source, the engine,
     done/dismissed keys);
  2. the `suggestions` deriver's full rebuild from no rows (loans per second), then again with nothing to
     change, then `derived.check` (the daily sweep and `npl derive --check`);
  3. `npl advise --json`'s list read from the rows, checked equal to the computed one;
  4. a collector's worklist (count + page of 30) from the rows, for the collector with the most rows;
and prints seconds and each ratio to the baseline. It rewrites only the suggestions' stored rows (they
end as a rebuild leaves them).

    DATABASE_URL=postgres://…/demo NPL_DATA_DIR=… .venv/bin/python benchmarks/suggestions.py [--no-rebuild]
"""
import os
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from npl.advice import facts, services, stored  # noqa: E402
from npl.advice.models import OpenSuggestion  # noqa: E402
from npl.collection.clocks import gather  # noqa: E402
from npl.core import derived  # noqa: E402
from npl.loans.models import Loan  # noqa: E402

spent = defaultdict(float)


@contextmanager
def timing(name):
    started = time.perf_counter()
    yield
    spent[name] += time.perf_counter() - started


def timed(module, attr, name, *, consume=False):
    original = getattr(module, attr)

    def wrapper(*args, **kwargs):
        with timing(name):
            found = original(*args, **kwargs)
            return list(found) if consume else found  # a generator's work is done when it is consumed

    setattr(module, attr, wrapper)
    return lambda: setattr(module, attr, original)


def main():
    day = derived.today()
    n_loans = Loan.objects.count()
    print(f"{connection.vendor}, {n_loans} loans, day {day}")

    undo = [timed(facts, name, name) for name in ("_categories", "_since", "_ledger", "_plans", "_cases", "_repayments")]
    undo.append(timed(gather, "compute_clocks", "compute_clocks", consume=True))
    undo.append(timed(services, "evaluate", "engine.evaluate"))
    undo.append(timed(services, "_closed_keys", "_closed_keys"))
    started = time.perf_counter()
    computed, _ = services._open_suggestions(Loan.objects.all(), day)
    computed.sort(key=lambda s: (s.loan_no, -s.priority, s.due, s.rule))
    base = time.perf_counter() - started
    for u in undo:
        u()
    print(f"1. computed over all loans: {base:.1f} s, {len(computed)} suggestions (baseline)")
    for name, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"   {name:18} {secs:7.1f} s  {secs / base:5.0%}")

    if "--no-rebuild" not in sys.argv:  # (read only: while something else writes to the district)
        OpenSuggestion.objects.all().delete()
        started = time.perf_counter()
        (changed, _), = derived.rebuild(only=["suggestions"], day=day).values()
        full = time.perf_counter() - started
        print(f"2. rebuild from no rows: {full:.1f} s, {changed} rows, {n_loans / full:.0f} loans/s, {full / base:.2f}x baseline")
        started = time.perf_counter()
        (changed, _), = derived.rebuild(only=["suggestions"], day=day).values()
        same = time.perf_counter() - started
        print(f"   rebuild again (nothing to change): {same:.1f} s, {changed} rows, {same / base:.2f}x baseline")
    started = time.perf_counter()
    found = derived.check(only=["suggestions"], day=day)
    checking = time.perf_counter() - started
    print(f"   check: {found.total} differences, {checking:.1f} s, {checking / base:.2f}x baseline")

    started = time.perf_counter()
    read = services.suggestions_for(Loan.objects.all(), day)
    reading = time.perf_counter() - started
    same_list = [s.as_json() for s in read] == [s.as_json() for s in computed]
    print(f"3. npl advise's list from the rows: {reading:.2f} s, {len(read)} suggestions, equal to the computed: "
          f"{same_list}, {reading / base:.3f}x baseline")

    top = (OpenSuggestion.objects.exclude(collector=None).values("collector").annotate(n=Count("pk")).order_by("-n").first())
    if top:
        from npl.accounts.models import User

        user = User.objects.get(pk=top["collector"])
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                items = services.today(user, day)
                total, page = len(items), items[0:30]
                times.append(time.perf_counter() - started)
        best = min(times)
        print(f"4. worklist of {user.username} ({top['n']} rows, {total} in the window): count + page of {len(page)} "
              f"in {best * 1000:.0f} ms best of 5, {len(ctx.captured_queries)} queries, {best / base:.4f}x baseline")
        started = time.perf_counter()
        old = services.computed_worklist(user, day, services.window_days())
        slow = time.perf_counter() - started
        same_order = [(i.loan.pk, i.suggestion.rule) for i in old[:30]] == [(i.loan.pk, i.suggestion.rule) for i in page]
        print(f"   the same list computed: {slow * 1000:.0f} ms; first page equal: {same_order}")
    print(f"   stored rows: {OpenSuggestion.objects.count()}; per loan chunk: {stored.CHUNK}")


if __name__ == "__main__":
    main()
