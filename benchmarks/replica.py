#!/usr/bin/env python3
"""Benchmark: the report pages read from the primary and from a streaming replica, same data, same run.

Needs the local standby (`bash scripts/pg-replica.sh start`, port 5433). Loads a demo district of N loans into
BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/npl_bench_replica, created when missing; loaded
when it holds no loan), waits until the replica has replayed it, then for each report page times R requests
from the primary and R from the replica, interleaved (primary, replica, primary, …) so both meet the same
machine load: p50 and p95 in ms, the ratio replica p50 / primary p50, where the page's queries ran (counted
by execute wrappers on both connections), and whether both answers are the same page.

    .venv/bin/python benchmarks/replica.py [--loans 3000] [--requests 30]

On one machine both servers share its cores and disk: this shows that the replica serves the same pages at
about the same cost, and that the pages' queries leave the primary. The gain in production — the primary's
CPU and I/O left to imports, repayments and the sweep while reports run elsewhere — needs the replica on its
own machine (docs/scale.md).
"""
import argparse
import functools
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PRIMARY_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/npl_bench_replica")
REPLICA_URL = os.environ.get("BENCH_REPLICA_URL", "postgres://postgres@127.0.0.1:5433/npl_bench_replica")
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def setup(data_dir: str) -> None:
    import psycopg

    name = PRIMARY_URL.rsplit("/", 1)[1]
    with psycopg.connect(PRIMARY_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(NPL_DATA_DIR=str(Path(data_dir).resolve()), DATABASE_URL=PRIMARY_URL,
                      DATABASE_REPLICA_URLS=REPLICA_URL, DJANGO_SETTINGS_MODULE="npl.settings")
    import django

    django.setup()


def ensure_demo(loans: int) -> None:
    """The pages benchmark's own: migrate, then load a demo of `loans` when the database has none."""
    from benchmarks.pages import ensure_demo as load

    load(loans)


def wait_for_replay(alias: str) -> float:
    from django.db import connection, connections

    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SELECT pg_current_wal_lsn()::text")
        target = c.fetchone()[0]
    with connections[alias].cursor() as c:
        while True:
            c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if c.fetchone()[0]:
                return time.perf_counter() - t
            time.sleep(0.05)


def pages() -> list[tuple[str, str]]:
    from npl.campaigns.models import Campaign

    campaign = Campaign.objects.order_by("-baseline", "-pk").first()
    return [
        ("category report", "/categories/"),
        ("district home", "/"),
        ("clock page (district)", "/collection/clocks/?township=%E5%85%A8%E5%8C%BA"),
        ("campaign summary", f"/campaigns/{campaign.pk}/" if campaign else "/campaigns/"),
        ("weekly bulletin page", "/reports/weekly/"),
        ("category report .xlsx", "/categories/export.xlsx"),
    ]


def count_into(counted: list, execute, sql, params, many, context):
    counted.append(sql)
    return execute(sql, params, many, context)


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=3000, help="demo size when the database is empty (default 3000)")
    parser.add_argument("--requests", type=int, default=30, help="requests per page and server (default 30)")
    parser.add_argument("--data-dir", default=str(ROOT / "benchmarks" / "out" / "replica"))
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    setup(args.data_dir)
    ensure_demo(args.loans)

    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.test.utils import override_settings

    from npl.accounts.models import User
    from npl.loans.models import Loan

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    alias = settings.NPL_REPLICA_ALIASES[0]
    print(f"replica caught up in {wait_for_replay(alias):.1f} s")
    with connections[alias].cursor() as c:
        c.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        in_recovery, port = c.fetchone()
    if not in_recovery:
        raise SystemExit(f"{REPLICA_URL} is not a standby")
    print(f"{Loan.objects.count()} loans; primary {PRIMARY_URL}, replica {REPLICA_URL} (standby on port {port}); "
          f"{args.requests} requests a page on each, interleaved")
    admin = User.objects.filter(role="district_admin", is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    on_primary = override_settings(NPL_REPLICA_ALIASES=[])  # the same pages with no replica configured

    def visit(url: str, primary: bool, counted: dict | None = None):
        if primary:
            on_primary.enable()
        try:
            if counted is None:
                return client.get(url)
            with connections["default"].execute_wrapper(functools.partial(count_into, counted["primary"])), \
                    connections[alias].execute_wrapper(functools.partial(count_into, counted["replica"])):
                return client.get(url)
        finally:
            if primary:
                on_primary.disable()

    print(f"{'page':24} {'primary p50/p95 ms':>19} {'replica p50/p95 ms':>19} {'ratio':>6}  {'queries on primary / replica (replica run)':>42}  same page")
    for label, url in pages():
        first_p, first_r = visit(url, True), visit(url, False)  # warm both servers' caches and check the page
        if first_p.status_code != 200 or first_r.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {first_p.status_code} / {first_r.status_code}")
        counted = {"primary": [], "replica": []}
        visit(url, False, counted)
        times = {True: [], False: []}
        for _ in range(args.requests):
            for primary in (True, False):
                t = time.perf_counter()
                visit(url, primary)
                times[primary].append(time.perf_counter() - t)
        same = TOKEN.sub(b"", first_p.content) == TOKEN.sub(b"", first_r.content)
        pm, rm = ms(statistics.median(times[True])), ms(statistics.median(times[False]))
        where = f"{len(counted['primary'])} / {len(counted['replica'])}"
        print(f"{label:24} {pm:>9.1f} /{ms(p95(times[True])):>8.1f} {rm:>9.1f} /{ms(p95(times[False])):>8.1f} "
              f"{rm / pm:>6.2f}  {where:>42}  {'yes' if same else 'no (see below)'}", flush=True)
        if not same:
            print(f"    {label}: the two answers differ in {len(first_p.content)} / {len(first_r.content)} bytes")


if __name__ == "__main__":
    main()
