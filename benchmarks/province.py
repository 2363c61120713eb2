#!/usr/bin/env python3
"""Benchmark: a district's daily pages with one district loaded vs N districts of the same size (issue 18), and the
city's roll-up pages, each beside a bare SQL fetch of the rows it shows, measured in the same run.

Two databases side by side: ONE holds `npl demo --loans L` (one district), MANY the same district and N-1 more
as `npl demo --districts N` adds them (each L loans, its own units, cast, history and snapshots). Both are loaded
when missing (SQLite: `npl.sqlite3` = MANY and `one.sqlite3` in NPL_DATA_DIR; PostgreSQL: DATABASE_URL = MANY and
`<its name>_one`, created here), sharing the data dir's keys. Then, page by page, requests alternate between the
two databases (the connection and the cache prefix switched between requests, outside the timings), so a busy
machine weighs on both the same: the district pages as the first district's admin (loan list, clock page 全区,
category report, district home warm) and the roll-ups as the city's office (市金融办: 九类汇总, 时效汇总, 清收汇总)
and the province's (九类汇总). p50/p95 of R requests through Django's test Client (`force_login`), the query count
of one request, and the p50 of a hand-written SQL statement fetching the rows the page shows, run after each
request on the same database (the same yardstick as pages.py).

    NPL_DATA_DIR=benchmarks/out/province .venv/bin/python benchmarks/province.py [--districts 5] [--loans 2000]
    DATABASE_URL=postgres://…/npl_bench_province NPL_DATA_DIR=… .venv/bin/python benchmarks/province.py
"""
import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.pages import bare, count_into, ms, open_data_dir  # noqa: E402


def pages(first_district: int) -> list[tuple]:
    """(label, login, url, bare statement) of the pages timed in each phase."""
    d = int(first_district)
    in_district = f"JOIN org_township t ON t.id = l.township_id WHERE t.district_id = {d}"
    return [
        ("loan list", "quadmin", "/loans/",
         "SELECT l.loan_no, b.name, b.id_masked, t.name, l.principal_balance, l.status FROM loans_loan l "
         f"JOIN loans_borrower b ON b.id = l.borrower_id {in_district} ORDER BY l.loan_no LIMIT 50;\n"
         f"SELECT COUNT(*), SUM(l.principal_balance) FROM loans_loan l {in_district}"),
        ("clock page (district)", "quadmin", "/collection/clocks/?township=%E5%85%A8%E5%8C%BA",
         "SELECT c.status, COUNT(*) FROM collection_loanclock c JOIN loans_loan l ON l.id = c.loan_id "
         f"{in_district} GROUP BY c.status;\n"
         "SELECT l.loan_no, c.deadline FROM collection_loanclock c JOIN loans_loan l ON l.id = c.loan_id "
         f"{in_district} AND c.status = 'lapsed' ORDER BY c.deadline, l.loan_no LIMIT 50"),
        ("category report", "quadmin", "/categories/",
         "SELECT m.code, COUNT(*), SUM(m.balance) FROM categories_membership m JOIN org_township t ON t.id = m.township_id "
         f"WHERE t.district_id = {d} AND m.balance > 0 GROUP BY m.code"),
        ("district home (warm)", "quadmin", "/",
         "SELECT f.* FROM reports_dailyfigure f JOIN org_township t ON t.id = f.township_id "
         f"WHERE t.district_id = {d} AND f.day = (SELECT MAX(day) FROM reports_dailyfigure)"),
        ("roll-up: categories (city)", "shijinrongban", "/reports/region/categories/",
         "SELECT t.district_id, m.code, COUNT(*), SUM(m.balance) FROM categories_membership m "
         "JOIN org_township t ON t.id = m.township_id WHERE m.balance > 0 GROUP BY t.district_id, m.code"),
        ("roll-up: clocks (city)", "shijinrongban", "/reports/region/clocks/",
         "SELECT t.district_id, c.status, COUNT(*) FROM collection_loanclock c JOIN org_township t ON t.id = c.township_id "
         "GROUP BY t.district_id, c.status"),
        ("roll-up: campaigns (city)", "shijinrongban", "/reports/region/campaigns/",
         "SELECT f.campaign_id, SUM(f.task_amount), SUM(f.collected_amount) FROM reports_dailyfigure f "
         "WHERE f.day = (SELECT MAX(day) FROM reports_dailyfigure) GROUP BY f.campaign_id"),
        ("roll-up: categories (province)", "shengjinrongban", "/reports/region/categories/",
         "SELECT t.district_id, m.code, COUNT(*), SUM(m.balance) FROM categories_membership m "
         "JOIN org_township t ON t.id = m.township_id WHERE m.balance > 0 GROUP BY t.district_id, m.code"),
    ]


class Databases:
    """ONE and MANY: switch the default connection (and the cache's key prefix) between them."""

    def __init__(self):
        from django.db import connections

        self.many = connections["default"].settings_dict["NAME"]
        self.one = (str(Path(self.many).with_name("one.sqlite3")) if connections["default"].vendor == "sqlite"
                    else f"{self.many}_one")

    def use(self, which: str) -> None:
        from django.core.cache import cache
        from django.db import connections

        name = self.one if which == "one" else self.many
        conn = connections["default"]
        if conn.settings_dict["NAME"] != name:
            conn.close()
            conn.settings_dict["NAME"] = name
        cache.key_prefix = which

    def create_one(self) -> None:
        """An empty ONE database (PostgreSQL: CREATE DATABASE; SQLite: a new file on first connection)."""
        from django.db import connections

        conn = connections["default"]
        if conn.vendor == "postgresql":
            with conn.cursor() as c:
                c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.one])
                if c.fetchone() is None:
                    conn.set_autocommit(True)
                    c.execute(f'CREATE DATABASE "{self.one}"')


def measure(args, dbs: Databases, n_many: int) -> list[dict]:
    from django.db import connection
    from django.test import Client

    from npl.accounts.models import User
    from npl.org.models import District

    clients = {}
    for which in ("one", "many"):
        dbs.use(which)
        first = District.current().pk
        for login in {p[1] for p in pages(first)}:
            client = Client()
            client.force_login(User.objects.get(username=login), backend="django.contrib.auth.backends.ModelBackend")
            clients[which, login] = client
    dbs.use("one")
    rows = []
    for label, login, url, sql in pages(District.current().pk):
        fetch = bare(sql)
        times = {w: ([], []) for w in ("one", "many")}
        counted = {}
        for which in ("one", "many"):
            dbs.use(which)
            client = clients[which, login]
            response = client.get(url)  # fills caches (warm pages) and checks the page
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code} ({which})")
            counted[which] = []
            with connection.execute_wrapper(functools.partial(count_into, counted[which])):
                client.get(url)
        started = time.perf_counter()
        for _ in range(args.requests):
            for which in ("one", "many"):
                dbs.use(which)
                t = time.perf_counter()
                clients[which, login].get(url)
                times[which][0].append(time.perf_counter() - t)
                t = time.perf_counter()
                fetch()
                times[which][1].append(time.perf_counter() - t)
            if time.perf_counter() - started > args.budget:
                break
        for which in ("one", "many"):
            page_times, sql_times = times[which]
            q = statistics.quantiles(page_times, n=20) if len(page_times) > 1 else page_times * 19
            phase = "1 district" if which == "one" else f"{n_many} districts"
            row = {"phase": phase, "page": label, "login": login, "n": len(page_times),
                   "p50": ms(statistics.median(page_times)), "p95": ms(q[18]), "queries": len(counted[which]),
                   "sql_p50": ms(statistics.median(sql_times))}
            rows.append(row)
            print(f"{label:32} {login:16} {phase:12} {row['n']:>3} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                  f"{row['queries']:>7} {row['sql_p50']:>8.2f}", flush=True)
    return rows


def load(which: str, dbs: Databases, args) -> None:
    """Load ONE (one district) or MANY (N districts) when its database holds no loan."""
    from django.core.management import call_command

    from npl.demo.services import load_districts
    from npl.loans.models import Loan
    from npl.org.models import District

    dbs.use(which)
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    if not Loan.objects.exists():
        call_command("demo", loans=args.loans, stdout=open(os.devnull, "w"))
        print(f"{which}: 1 district of {args.loans} loans loaded in {time.perf_counter() - t:.0f} s", flush=True)
    if which == "many" and District.objects.count() < args.districts:
        t = time.perf_counter()
        load_districts(args.districts, loans=args.loans, start=District.objects.count())
        print(f"many: districts up to {args.districts} loaded in {time.perf_counter() - t:.0f} s "
              f"({Loan.objects.count()} loans in all)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=5, help="districts in MANY (default 5)")
    parser.add_argument("--loans", type=int, default=2000, help="loans per district (default 2000)")
    parser.add_argument("--requests", type=int, default=30, help="requests per page and database (default 30)")
    parser.add_argument("--budget", type=float, default=90, help="seconds per page before stopping early (default 90)")
    parser.add_argument("--data-dir", help="NPL_DATA_DIR (default: the environment's, else benchmarks/out/province)")
    args = parser.parse_args()
    data_dir = open_data_dir(args.data_dir, "province")
    from django.db import connection

    from npl.org.models import District

    dbs = Databases()
    dbs.create_one()
    load("many", dbs, args)
    load("one", dbs, args)
    dbs.use("many")
    n_many = District.objects.count()
    print(f"{connection.vendor}, data dir {data_dir}, {args.loans} loans a district, {args.requests} requests a page "
          f"and database, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'page':32} {'login':16} {'phase':12} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'SQL p50':>8}")
    measure(args, dbs, n_many)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
