#!/usr/bin/env python3
"""Benchmark: `npl collection sweep` on a new day, against a bare SQL rewrite of every stored clock row.

Issue 16 point 6: the daily sweep and recompute of a million loans within 10 minutes. On a demo district
(`npl demo --loans N` into NPL_DATA_DIR, loaded when the database holds no loan yet; PostgreSQL when
DATABASE_URL is set), each run:
  1. the baseline: one hand-written statement moving every loan's stored clock row one day back
     (`UPDATE collection_loanclock SET day = day - 1`), timed. It is the floor of a new day's writes (every
     clock row is rewritten on a new day: its day and the as-of day in its JSON) and it is also what makes
     the stored rows look a day old, so that
  2. `npl collection sweep` — as the daily cron runs it, in its own process — recomputes every loan's derived
     rows for today and rewrites every clock row, as on a new day (the other derivers' rows change only where
     their figures do, as on most days). Its wall and CPU time and the rows it says it changed are printed,
     with the ratio to the baseline.

    DATABASE_URL=postgres://…/npl_bench_sweep NPL_DATA_DIR=… .venv/bin/python benchmarks/sweep.py [--loans 100000] [--runs 2]

The sweep also runs the daily jobs (promises, plans, suspensions, waivers, document batches): on a second run of
the same day they find nothing left to do, so the first run can take longer than the next.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.pages import ensure_demo, open_data_dir  # noqa: E402  (the same demo loading as the pages benchmark)

NPL = str(ROOT / ".venv" / "bin" / "npl")


def bare_rewrite() -> tuple[float, int]:
    """Every stored clock row moved one day back, in one statement: (seconds, rows)."""
    from django.db import connection, transaction

    from npl.collection.models import LoanClock

    table = connection.ops.quote_name(LoanClock._meta.db_table)
    day = connection.ops.quote_name(LoanClock._meta.get_field("day").column)
    back = f"{day} - INTERVAL '1 day'" if connection.vendor == "postgresql" else f"date({day}, '-1 day')"
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET {day} = {back}")
        rows = cur.rowcount
    return time.perf_counter() - t, rows


def sweep() -> tuple[float, float, dict]:
    """`npl collection sweep --json` in its own process: (wall seconds, CPU seconds, its report)."""
    t = time.perf_counter()
    proc = subprocess.Popen([NPL, "collection", "sweep", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"npl collection sweep failed ({os.waitstatus_to_exitcode(status)})")
    return wall, usage.ru_utime + usage.ru_stime, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20000, help="demo size when the database is empty (default 20000)")
    parser.add_argument("--runs", type=int, default=1, help="new days to simulate one after the other (default 1)")
    parser.add_argument("--data-dir", help="NPL_DATA_DIR (default: the environment's, else benchmarks/out/sweep)")
    args = parser.parse_args()
    data_dir = open_data_dir(args.data_dir, "sweep")  # also the sweep's process's: the same keys and database
    ensure_demo(args.loans)
    from django.db import connection

    from npl.loans.models import Loan

    print(f"{connection.vendor}, {Loan.objects.count():,} loans, data dir {data_dir}")
    print(f"{'run':>3} {'bare rewrite s':>15} {'clock rows':>11} {'sweep s':>9} {'sweep cpu s':>12} {'rows changed':>13} {'x bare':>7}")
    for run in range(1, args.runs + 1):
        base, rows = bare_rewrite()
        connection.close()  # the sweep's process writes the same rows: no open transaction of ours beside it
        wall, cpu, report = sweep()
        print(f"{run:>3} {base:>15.2f} {rows:>11,} {wall:>9.1f} {cpu:>12.1f} {report['derived_rows_changed']:>13,} "
              f"{wall / base:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
