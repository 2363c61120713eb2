#!/usr/bin/env python3
"""Benchmark: a batch of N loans' documents (明白纸, 催收通知书) as Word and PDF, against the bare renderers.

Builds one township of N loans (default 200) in a fresh temporary SQLite database with the builders of
npl.testing: rates and maturities that make interest, penalty and compound accrue, some borrowers on the
低保/服刑 rosters (so the policy picks different tiers), repayments after the bank's snapshot, a suspension
(停息挂账), under the default waiver policy that the data migration loads. Then in the same run it times
  1. the payoffs of the batch: compute_payoffs (bulk) against compute_payoff called once per loan, figures
     checked equal;
  2. services.generate(kind, N loans, fmt) for each kind and format — everything a batch request does:
     scope, balances, payoffs, contexts, rendering, the log row;
  3. the baseline: the same renderer given one fixed context N times (docxtpl into one body / WeasyPrint
     one HTML), i.e. the bare cost of the file format, which no change in npl can remove;
and prints each time with its ratio to the baseline (generate ÷ bare render; 1.0 would mean npl adds nothing).

    .venv/bin/python benchmarks/documents.py [--loans 200] [--kinds plain_sheet,notice] [--formats docx,pdf]
"""
import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")

SNAPSHOT = dt.date(2026, 3, 31)
AS_OF = dt.date(2026, 4, 30)


def build(n: int) -> list[int]:
    """One township, one branch, N loans with varied figures; returns their primary keys."""
    from django.db import transaction

    from npl import testing
    from npl.categories.models import RosterEntry, RosterPerson
    from npl.collection.models import InterestSuspension, Repayment
    from npl.loans.services import refresh_current

    ids = []
    with transaction.atomic():
        town = testing.township("柳溪镇")
        branch = testing.branch("柳溪支行", town)
        community = testing.community(town)
        admin = testing.user("bench_admin", "district_admin")
        for i in range(n):
            who = testing.borrower(1000 + i, "张三" if i % 2 else "李四")
            loan = testing.loan(
                f"B{i:05d}", who, town, branch, balance=Decimal(50_000 + 137 * i).quantize(Decimal("0.01")),
                as_of=SNAPSHOT, maturity=dt.date(2026, 4, 15) if i % 3 else dt.date(2025, 12, 31), rate=Decimal("4.35"),
                interest_on=Decimal("1200.00"), interest_off=Decimal("300.00") if i % 4 == 0 else Decimal("0"),
                penalty_interest=Decimal("150.00"), compound_interest=Decimal("12.30"), community=community,
            )
            ids.append(loan.pk)
            if i % 5 == 0 or i % 11 == 0:
                kind = "dibao" if i % 5 == 0 else "imprisoned"
                person, _ = RosterPerson.objects.get_or_create(
                    id_hash=who.id_hash, defaults={"id_cipher": who.id_cipher, "id_masked": who.id_masked, "name": who.name})
                RosterEntry.objects.create(kind=kind, person=person, name=who.name, valid_from=dt.date(2026, 1, 1))
            if i % 4 == 1:
                Repayment.objects.create(txn_no=f"T{i:06d}", loan=loan, paid_on=dt.date(2026, 4, 10),
                                         principal=Decimal("5000.00"), interest=Decimal("800.00"), confirmed=True)
            if i % 11 == 0:
                InterestSuspension.objects.create(loan=loan, starts_on=dt.date(2026, 4, 5), until=dt.date(2026, 12, 31),
                                                  reason="服刑期间停息挂账", started_by=admin)
        refresh_current(ids)
    return ids


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def worker(n: int, kinds: list[str], formats: list[str]) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    django.setup()
    from django.core.management import call_command

    from npl.documents import render, services
    from npl.documents.services import _contexts
    from npl.loans.balances import with_balance
    from npl.loans.models import Loan
    from npl.waivers import payoff as payoff_mod

    call_command("migrate", verbosity=0)
    build_s, ids = _timed(lambda: build(n))
    res = {"loans": n, "build_s": build_s, "runs": []}
    loans = list(Loan.objects.filter(pk__in=ids).order_by("loan_no"))

    one_s, one = _timed(lambda: {loan.pk: payoff_mod.compute_payoff(loan, AS_OF) for loan in loans})
    res["payoff_each_s"] = one_s
    if hasattr(payoff_mod, "compute_payoffs"):
        bulk_s, bulk = _timed(lambda: payoff_mod.compute_payoffs(loans, AS_OF))
        res["payoff_bulk_s"] = bulk_s
        res["payoff_equal"] = bulk == one
    states = {}
    for p in one.values():
        states[p.waiver_state or "none"] = states.get(p.waiver_state or "none", 0) + 1
    res["payoff_states"] = states

    services.generate("notice", ids[:2], "pdf", None, as_of=AS_OF)  # warm up fonts, templates, CSS
    services.generate("notice", ids[:2], "docx", None, as_of=AS_OF)
    for kind in kinds:
        rows = list(with_balance(Loan.objects.filter(pk=ids[0]), AS_OF).select_related(
            "borrower", "township", "community", "branch__bank", "responsible_person"))
        ctx = _contexts(kind, rows, AS_OF, AS_OF + dt.timedelta(days=30), "1笔")[0]
        for fmt in formats:
            gen_s, made = _timed(services.generate, kind, ids, fmt, None, as_of=AS_OF, scope="柳溪镇")
            if fmt == "docx":
                data, _tpl = services.active_template(kind)
                bare_s, _ = _timed(render.docx_many, data, [ctx] * n)
            else:
                bare_s, _ = _timed(render.pdf, kind, [ctx] * n, title="基准")
            res["runs"].append({"kind": kind, "fmt": fmt, "generate_s": gen_s, "bare_s": bare_s, "bytes": len(made.content)})
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loans", type=int, default=200)
    ap.add_argument("--kinds", default="plain_sheet,notice")
    ap.add_argument("--formats", default="docx,pdf")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    kinds, formats = args.kinds.split(","), args.formats.split(",")
    if args.worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(worker(args.loans, kinds, formats), default=str))
        return
    tmp = tempfile.mkdtemp(prefix="npl-bench-documents-")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", NPL_DATA_DIR=tmp, DJANGO_SETTINGS_MODULE="npl.settings")
    cmd = [PY, str(Path(__file__).resolve()), "--worker", "--loans", str(args.loans), "--kinds", args.kinds, "--formats", args.formats]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"worker failed:\n{p.stderr[-3000:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    n = r["loans"]
    print(f"{n} loans (SQLite, built in {r['build_s']:.0f}s); waiver states {r['payoff_states']}")
    line = f"payoffs: compute_payoff × {n} {r['payoff_each_s']:.2f}s ({r['payoff_each_s'] / n * 1000:.1f} ms a loan)"
    if "payoff_bulk_s" in r:
        line += (f"; compute_payoffs {r['payoff_bulk_s']:.2f}s ({r['payoff_bulk_s'] / n * 1000:.1f} ms a loan), "
                 f"{r['payoff_each_s'] / r['payoff_bulk_s']:.1f}x faster, equal: {r['payoff_equal']}")
    print(line)
    print(f"{'document':14}{'fmt':>5}{'generate':>11}{'bare render':>13}{'ratio':>7}{'per loan':>11}{'size':>10}")
    for run in r["runs"]:
        print(f"{run['kind']:14}{run['fmt']:>5}{run['generate_s']:>10.2f}s{run['bare_s']:>12.2f}s"
              f"{run['generate_s'] / run['bare_s']:>7.2f}{run['generate_s'] / n * 1000:>9.0f}ms{run['bytes'] / 1024:>8.0f}KB")
    if "payoff_equal" in r:
        assert r["payoff_equal"], "compute_payoffs and compute_payoff disagree"


if __name__ == "__main__":
    main()
