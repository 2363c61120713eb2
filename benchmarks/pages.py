#!/usr/bin/env python3
"""Benchmark: the pages people open every day, per role, against a bare SQL fetch of the rows each shows.

For a demo district of N loans (`npl demo --loans N` into NPL_DATA_DIR, loaded when that database holds no
loan yet; PostgreSQL when DATABASE_URL is set), logs in as each role with Django's test Client
(`force_login`: no password hashing in the timings) and times R requests (default 50) to each page:
p50 and p95 in ms, the page's query count, and beside them the time of a hand-written SQL statement
fetching the rows the page shows (p50 of R runs, measured in the same run, interleaved with the page's
requests), and the ratio page / bare SQL. A page that still runs past --budget seconds stops early and
says how many requests it made. "cold" clears Django's cache before every request (the first visit of
the day); "warm" does not.

    NPL_DATA_DIR=benchmarks/out/pages-20k .venv/bin/python benchmarks/pages.py [--loans 20000] [--requests 50]
    DATABASE_URL=postgres://…/npl_bench_pages NPL_DATA_DIR=… .venv/bin/python benchmarks/pages.py

The bare statements are the same on every version of the code (they read the tables only), so a before /
after comparison on one database compares the pages, not the yardstick. They fetch what a page shows,
not what it computes: a loan list's page of 50 rows and its count; a clock page's first 50 loans with a
balance (its rows' shape: the clocks themselves are computed in Python, which is the issue's point 1).
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


def open_data_dir(given: str | None, name: str) -> str:
    """The benchmark's NPL_DATA_DIR (--data-dir, else the environment's, else benchmarks/out/NAME), made if missing,
    with Django set up on it."""
    data_dir = given or os.environ.get("NPL_DATA_DIR") or str(ROOT / "benchmarks" / "out" / name)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    setup(data_dir)
    return data_dir


def setup(data_dir: str | None):
    if data_dir:
        os.environ["NPL_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def ensure_demo(loans: int) -> None:
    from django.core.management import call_command

    from npl.loans.models import Loan

    call_command("migrate", verbosity=0)
    if not Loan.objects.exists():
        t = time.perf_counter()
        call_command("demo", loans=loans)
        print(f"demo of {loans} loans loaded in {time.perf_counter() - t:.0f} s")


def cast() -> dict:
    """One user per role the pages need: the township and collector holding the most loans."""
    from django.db.models import Count

    from npl.accounts.models import User
    from npl.loans.models import Loan

    top_town = Loan.objects.values("township_id").annotate(n=Count("pk")).order_by("-n")[0]["township_id"]
    top_collector = (Loan.objects.exclude(responsible_person=None).values("responsible_person_id")
                     .annotate(n=Count("pk")).order_by("-n")[0]["responsible_person_id"])
    users = User.objects.filter(is_active=True)
    return {
        "district_admin": users.filter(role="district_admin").order_by("pk").first(),
        "township_admin": users.filter(role="township_admin", township_id=top_town).order_by("pk").first(),
        "collector": User.objects.get(pk=top_collector),
        "town": top_town,
    }


def bare(sql: str, params=()):
    """A function running one hand-written statement and fetching every row (the yardstick)."""
    from django.db import connection

    def run():
        with connection.cursor() as c:
            for statement in sql.split(";\n"):
                if statement.strip():
                    c.execute(statement, params if "%s" in statement else ())
                    c.fetchall()
    return run


def pages(people: dict) -> list[tuple]:
    """(label, role, url, cold, bare statement) for each page of the issue's list."""
    from npl.campaigns.models import Campaign
    from npl.loans.models import Loan

    town = people["town"]
    busy = (Loan.objects.filter(township_id=town).order_by("-pk").values_list("loan_no", flat=True)[0])
    campaign = Campaign.objects.order_by("-baseline", "-pk").first()
    collector = people["collector"].pk
    page_of_loans = ("SELECT l.loan_no, b.name, b.id_masked, t.name, l.principal_balance, l.status "
                     "FROM loans_loan l JOIN loans_borrower b ON b.id = l.borrower_id "
                     "JOIN org_township t ON t.id = l.township_id {where} ORDER BY l.loan_no LIMIT 50;\n"
                     "SELECT COUNT(*), SUM(principal_balance) FROM loans_loan l {where}")
    search = ("WHERE l.borrower_id IN (SELECT id FROM loans_borrower WHERE pinyin_initials LIKE 'zs%%' "
              "OR pinyin_initials LIKE '%% zs%%' OR pinyin_full LIKE 'zs%%' OR pinyin_full LIKE '%% zs%%')")
    latest_figures = ("SELECT f.* FROM reports_dailyfigure f WHERE f.day = (SELECT MAX(day) FROM reports_dailyfigure)"
                      "{and_town}")
    with_balance = ("SELECT l.loan_no, b.name, l.maturity_date, l.principal_balance FROM loans_loan l "
                    "JOIN loans_borrower b ON b.id = l.borrower_id WHERE l.principal_balance > 0 {and_town} "
                    "ORDER BY l.maturity_date, l.loan_no LIMIT 50")
    town_sql = f" AND l.township_id = {int(town)}"
    return [
        ("loan list", "district_admin", "/loans/", False, page_of_loans.format(where="")),
        ("township filter", "district_admin", f"/loans/?township={town}", False,
         page_of_loans.format(where=f"WHERE l.township_id = {int(town)}")),
        ("pinyin search zs", "district_admin", "/loans/?q=zs", False, page_of_loans.format(where=search)),
        ("pinyin search zs (township)", "township_admin", "/loans/?q=zs", False,
         page_of_loans.format(where=search + town_sql)),
        ("search zs: queries only", "district_admin", search_queries, False, page_of_loans.format(where=search)),
        ("search zs: queries only (township)", "township_admin", search_queries, False,
         page_of_loans.format(where=search + town_sql)),
        ("loan detail", "district_admin", f"/loans/{busy}/", False,
         f"SELECT * FROM loans_loan WHERE loan_no = '{busy}';\n"
         f"SELECT e.* FROM loans_loanevent e JOIN loans_loan l ON l.id = e.loan_id WHERE l.loan_no = '{busy}';\n"
         f"SELECT a.* FROM collection_collectionaction a JOIN loans_loan l ON l.id = a.loan_id WHERE l.loan_no = '{busy}';\n"
         f"SELECT r.* FROM collection_repayment r JOIN loans_loan l ON l.id = r.loan_id WHERE l.loan_no = '{busy}'"),
        ("loan detail (collector)", "collector",
         f"/loans/{Loan.objects.filter(responsible_person_id=collector).order_by('pk').values_list('loan_no', flat=True)[0]}/",
         False, f"SELECT * FROM loans_loan WHERE responsible_person_id = {collector} ORDER BY id LIMIT 1"),
        ("clock page (district)", "district_admin", "/collection/clocks/?township=%E5%85%A8%E5%8C%BA", False,
         with_balance.format(and_town="")),
        ("clock page (township)", "township_admin", f"/collection/clocks/?township={town}", False,
         with_balance.format(and_town=town_sql)),
        ("collector worklist", "collector", "/advice/today/", False,
         "SELECT s.*, l.loan_no FROM advice_suggestionstate s JOIN loans_loan l ON l.id = s.loan_id "
         f"WHERE l.responsible_person_id = {collector} ORDER BY s.due LIMIT 30"),
        ("district home (cold)", "district_admin", "/", True, latest_figures.format(and_town="")),
        ("district home (warm)", "district_admin", "/", False, latest_figures.format(and_town="")),
        ("township home (cold)", "township_admin", "/", True,
         latest_figures.format(and_town=f" AND f.township_id = {int(town)}")),
        ("township home (warm)", "township_admin", "/", False,
         latest_figures.format(and_town=f" AND f.township_id = {int(town)}")),
        ("category report", "district_admin", "/categories/", False,
         "SELECT e.kind, COUNT(*) FROM categories_rosterentry e GROUP BY e.kind"),
        ("campaign summary", "district_admin", f"/campaigns/{campaign.pk}/" if campaign else "/campaigns/", False,
         "SELECT township_id, COUNT(*), SUM(principal_balance) FROM loans_loan GROUP BY township_id"),
        ("weekly bulletin page", "district_admin", "/reports/weekly/", False, latest_figures.format(and_town="")),
    ]


def count_into(counted: list, execute, sql, params, many, context):
    counted.append(sql)
    return execute(sql, params, many, context)


class Fetched:
    """What a bare ORM row returns in place of a response: 200 and the size of what it fetched."""

    status_code = 200

    def __init__(self, rows):
        self.content = repr(rows).encode()


def search_queries(user, text: str = "zs") -> Fetched:
    """The ledger's search as the page runs it, without the rendering: one aggregate (count and balance)
    and a page of 50 rows with the table's joins."""
    from django.db.models import Count, Sum

    from npl.loans.models import Loan

    qs = Loan.objects.for_user(user).search(text)
    figures = qs.order_by().aggregate(n=Count("pk"), balance=Sum("principal_balance"))
    rows = list(qs.select_related("borrower", "township", "community", "branch", "responsible_person")
                .order_by("loan_no")[:50])
    return Fetched([figures, [r.loan_no for r in rows]])


def ms(seconds: float) -> float:
    return seconds * 1000


def measure(args) -> list[dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    people = cast()
    clients = {}
    for role in ("district_admin", "township_admin", "collector"):
        clients[role] = Client()
        clients[role].force_login(people[role], backend="django.contrib.auth.backends.ModelBackend")
    rows = []
    for label, role, url, cold, sql in pages(people):
        if args.only and not any(o in label for o in args.only):
            continue
        client, fetch = clients[role], bare(sql)
        # A row is a page (its URL) or a bare ORM call (the search's count and page without the rendering).
        visit = functools.partial(client.get, url) if isinstance(url, str) else functools.partial(url, people[role])
        response = visit()  # the first visit fills caches (warm pages) and checks the page
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}")
        counted = []
        if cold:
            cache.clear()
        # Counted by an execute wrapper: the request's start would reset a CaptureQueriesContext's log.
        with connection.execute_wrapper(functools.partial(count_into, counted)):
            visit()
        page_times, sql_times = [], []
        started = time.perf_counter()
        for _ in range(args.requests):
            if cold:
                cache.clear()
            t = time.perf_counter()
            visit()
            page_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            fetch()
            sql_times.append(time.perf_counter() - t)
            if time.perf_counter() - started > args.budget:
                break
        q = statistics.quantiles(page_times, n=20) if len(page_times) > 1 else page_times * 19
        row = {"page": label, "role": role, "n": len(page_times), "p50": ms(statistics.median(page_times)),
               "p95": ms(q[18]), "queries": len(counted), "bytes": len(response.content),
               "sql_p50": ms(statistics.median(sql_times))}
        row["ratio"] = row["p50"] / row["sql_p50"] if row["sql_p50"] else float("nan")
        rows.append(row)
        print_row(row)
    return rows


HEADER = f"{'page':36} {'role':15} {'n':>3} {'p50 ms':>9} {'p95 ms':>9} {'queries':>7} {'KiB':>7} {'SQL p50':>8} {'p50/SQL':>8}"


def print_row(r: dict) -> None:
    print(f"{r['page']:36} {r['role']:15} {r['n']:>3} {r['p50']:>9.1f} {r['p95']:>9.1f} {r['queries']:>7} "
          f"{r['bytes'] / 1024:>7.0f} {r['sql_p50']:>8.2f} {r['ratio']:>8.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20000, help="demo size when the database is empty (default 20000)")
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per page before stopping early (default 60)")
    parser.add_argument("--data-dir", help="NPL_DATA_DIR (default: the environment's, else benchmarks/out/pages)")
    parser.add_argument("--only", action="append", help="time only pages whose label contains this (repeatable)")
    args = parser.parse_args()
    data_dir = open_data_dir(args.data_dir, "pages")
    ensure_demo(args.loans)
    from django.db import connection

    from npl.loans.models import Loan

    print(f"{connection.vendor}, {Loan.objects.count()} loans, data dir {data_dir}, "
          f"{args.requests} requests a page (budget {args.budget:.0f} s)")
    print(HEADER)
    measure(args)


if __name__ == "__main__":
    main()
