#!/usr/bin/env python3
"""Benchmark: the category report and the campaign summary against one hand-written SQL aggregate each.

Builds a district of N loans (default 1,000,000) with realistic category shares (the sample set's:
rosters of whole populations, most people on them not borrowers; township-scoped and ended roster rows;
the bank's list; suits in both directions; mortgages, a few of them large; repayments before and after
the baseline; a later bank snapshot for some loans; approved reductions) in a fresh database, then in
the same run times
  1. category_report(as_of=D) for the district, against one hand-written SQL statement computing the
     same 17 rows of count / households / amount;
  2. the campaign summary as of D, against one hand-written SQL statement;
checks that the figures are equal, and prints best-of-3 times and their ratio.

    .venv/bin/python benchmarks/reports.py [--loans 1000000] [--no-sqlite] [--no-postgres]
PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/npl_bench), dropped and recreated.
Target (issue 4): within 2x of the hand SQL, and under 1 s on PostgreSQL.
"""
import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/npl_bench")

BASELINE = dt.date(2026, 3, 31)
LATER_SNAPSHOT = dt.date(2026, 6, 30)
ROSTER_CHANGE = dt.date(2026, 6, 1)
AS_OF = dt.date(2026, 9, 30)
# Share of borrowers on each roster (the sample set's proportions), and roster people who are not borrowers.
ROSTER_SHARE = {
    "public_servant": 0.014, "dibao": 0.095, "disabled": 0.012, "poverty": 0.014, "emigrated": 0.005,
    "deceased": 0.012, "imprisoned": 0.005, "lost_contact": 0.11, "nominal_household": 0.05,
}
NON_BORROWERS_PER_BORROWER = 1.0
TOWNS = 10
COMMUNITIES = 15


# ---------------------------------------------------------------------------------------------- data
def _bulk(model, rows: list[dict], fixed: dict | None = None) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    from django.db import connection

    if not rows:
        return
    fixed = fixed or {}
    with connection.cursor() as cur:  # columns the migrated table has (a model may be ahead of its migration)
        present = {c.name for c in connection.introspection.get_table_description(cur, model._meta.db_table)}
    fields = [f for f in model._meta.concrete_fields if (not f.primary_key or f.attname in rows[0]) and f.column in present]
    names = [f.attname for f in fields]
    cols = [f.column for f in fields]
    defaults = {f.attname: (f.get_default() if f.has_default() or f.null else "") for f in fields}
    table = model._meta.db_table

    def values(r):
        return [r[n] if n in r else fixed[n] if n in fixed else defaults[n] for n in names]

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f'COPY "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN') as cp:
                for r in rows:
                    cp.write_row(values(r))
        else:
            ph = ", ".join(["%s"] * len(cols))
            cur.executemany(f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({ph})',
                            [values(r) for r in rows])


def build(n: int, seed: int = 4) -> dict:
    """Write the district; returns counts of what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from npl.accounts.models import User
    from npl.campaigns.models import Campaign, TaskReduction
    from npl.categories.models import LoanListEntry, RosterEntry, RosterPerson
    from npl.collection.models import Repayment
    from npl.litigation.models import LitigationCase
    from npl.loans.models import Borrower, Loan, LoanSnapshot
    from npl.org.models import Bank, Branch, Community, District, Township

    rnd = random.Random(seed)
    now = timezone.now()
    district = District.current()
    bank = Bank.current()
    towns, comms, branches = [], {}, []
    for t in range(TOWNS):
        town = Township.objects.create(district=district, name=f"第{t + 1}镇")
        towns.append(town.pk)
        br = Branch.objects.create(bank=bank, name=f"第{t + 1}支行")
        br.townships.add(town)
        branches.append(br.pk)
        comms[town.pk] = [Community.objects.create(township=town, name=f"{c + 1}村").pk for c in range(COMMUNITIES)]
    admin = User.objects.create_user(username="bench", password="x", role="district_admin")
    campaign = Campaign.objects.create(name="攻坚行动", baseline=BASELINE)

    n_borrowers = int(n * 0.8)
    with transaction.atomic():
        _bulk(Borrower, [
            {"id": b, "name": "张三", "pinyin_initials": "zs", "pinyin_full": "zhangsan", "id_cipher": "-",
             "id_hash": f"b{b:063d}", "id_masked": "610***********0000", "id_last4": "0000", "gender": "M",
             "birth_date": None, "created_at": now}
            for b in range(1, n_borrowers + 1)
        ])
        town_of = {b: towns[b % TOWNS] for b in range(1, n_borrowers + 1)}
        loans, snaps = [], []
        later = []
        for i in range(1, n + 1):
            b = i if i <= n_borrowers else rnd.randint(1, n_borrowers)
            town = town_of[b]
            mortgage = rnd.random() < 0.10
            if mortgage and rnd.random() < 0.2:
                cents = rnd.randrange(100_000_000, 500_000_000)  # 1M–5M 元
            else:
                cents = rnd.randrange(2_000_000, 30_000_000)
            first = BASELINE if rnd.random() > 0.01 else LATER_SNAPSHOT  # 1% registered after the baseline
            resnap = first == BASELINE and rnd.random() < 0.05
            bal = Decimal(cents) / 100
            loans.append({
                "id": i, "loan_no": f"81{i:011d}", "contract_no": "", "borrower_id": b, "township_id": town,
                "community_id": rnd.choice(comms[town]), "branch_id": branches[towns.index(town)],
                "amount": bal, "principal_balance": bal, "issue_date": dt.date(2019, 1, 1),
                "maturity_date": dt.date(2022, 1, 1), "guarantee": "抵押+保证" if mortgage else "保证",
                "has_mortgage": mortgage, "status": "registered", "snapshot_date": LATER_SNAPSHOT if resnap else first,
                "interest_suspended": False, "version": 1, "created_at": now, "updated_at": now,
            })
            snaps.append({"loan_id": i, "as_of": first, "principal_balance": bal})
            if resnap:
                lower = (bal * Decimal(rnd.choice(["0.5", "0.8", "0.95", "1"]))).quantize(Decimal("0.01"))
                later.append({"loan_id": i, "as_of": LATER_SNAPSHOT, "principal_balance": lower})
        # Repayments, some before the baseline; about 1 in 100 repaying loans settles in full.
        balances = {r["id"]: r["principal_balance"] for r in loans}
        latest = {r["loan_id"]: r for r in snaps + later}  # later snapshots come last: the latest wins
        reps, txn = [], 0
        channels = ["cash", "cash", "cash", "refinance", "court", "collateral", "other"]
        for i in rnd.sample(range(1, n + 1), int(n * 0.15)):
            left = balances[i]
            for k in range(rnd.randint(1, 3)):
                txn += 1
                paid = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randrange(0, 325))
                settle = k == 0 and rnd.random() < 0.01 and paid > latest[i]["as_of"]
                principal = left if settle else Decimal(rnd.randrange(0, max(int(left * 100 * Decimal("0.3")), 1))) / 100
                confirmed = settle or rnd.random() < 0.98
                reps.append({
                    "txn_no": f"T{txn:010d}", "loan_id": i, "paid_on": paid, "principal": principal,
                    "interest": Decimal(rnd.randrange(0, 500_000)) / 100, "costs": 0, "channel": rnd.choice(channels),
                    "channel_text": "", "confirmed": confirmed, "created_at": now,
                })
                if confirmed and paid > latest[i]["as_of"]:
                    left -= principal
                if settle:
                    break
        # Loan.principal_balance as refresh_current keeps it: latest snapshot less confirmed repayments after it.
        after = {}
        for r in reps:
            if r["confirmed"] and r["paid_on"] > latest[r["loan_id"]]["as_of"]:
                after[r["loan_id"]] = after.get(r["loan_id"], 0) + r["principal"]
        for r in loans:
            r["principal_balance"] = max(latest[r["id"]]["principal_balance"] - after.get(r["id"], 0), Decimal("0.00"))
        _bulk(Loan, loans, {"interest_on": 0, "interest_off": 0, "penalty_interest": 0, "compound_interest": 0, "costs": 0})
        _bulk(LoanSnapshot, snaps + later, {"interest_on": 0})
        _bulk(Repayment, reps, {"batch_id": None, "recorded_by_id": None, "confirmed_by_id": None})

        # Rosters: borrowers by share, as many people who are not borrowers; some rows ended, some later.
        persons, entries, person_of = [], [], {}
        pid = 0
        for kind, share in ROSTER_SHARE.items():
            chosen = rnd.sample(range(1, n_borrowers + 1), int(n_borrowers * share))
            outsiders = int(len(chosen) * NON_BORROWERS_PER_BORROWER)
            for b in chosen:
                if b not in person_of:
                    pid += 1
                    person_of[b] = pid
                    persons.append({"id": pid, "id_hash": f"b{b:063d}", "id_cipher": "-", "id_masked": "-", "name": "张三"})
                r = rnd.random()
                entries.append({
                    "kind": kind, "person_id": person_of[b], "name": "张三",
                    "township_id": town_of[b] if kind == "nominal_household" and rnd.random() < 0.5 else None,
                    "valid_from": ROSTER_CHANGE if r < 0.05 else BASELINE, "valid_to": ROSTER_CHANGE if 0.05 <= r < 0.10 else None,
                    "details": "{}",
                })
            for _ in range(outsiders):
                pid += 1
                persons.append({"id": pid, "id_hash": f"p{pid:063d}", "id_cipher": "-", "id_masked": "-", "name": "李四"})
                entries.append({"kind": kind, "person_id": pid, "name": "李四", "township_id": None,
                                "valid_from": BASELINE, "valid_to": None, "details": "{}"})
        _bulk(RosterPerson, persons)
        _bulk(RosterEntry, entries, {"batch_id": None, "ended_by_id": None})

        listed = rnd.sample(range(1, n + 1), int(n * 0.012))
        _bulk(LoanListEntry, [
            {"loan_id": i, "list_kind": "impersonated_or_staff", "subcategory": "impersonated" if rnd.random() < 0.4 else "bank_staff",
             "valid_from": BASELINE, "valid_to": None} for i in listed
        ], {"batch_id": None, "ended_by_id": None})

        cases = []
        for i in rnd.sample(range(1, n + 1), int(n * 0.04)):
            d = "bank_sued_borrower" if rnd.random() < 0.8 else "borrower_sued_bank"
            when = dt.date(2025, 6, 1) + dt.timedelta(days=rnd.randrange(0, 450))
            cases.append({"loan_id": i, "direction": d, "case_no": f"案{i}", "counted_from": when, "stage": "filed",
                          "enforcement_recovered": 0, "created_at": now, "version": 1})
            if rnd.random() < 0.1:
                other = "borrower_sued_bank" if d == "bank_sued_borrower" else "bank_sued_borrower"
                cases.append({"loan_id": i, "direction": other, "case_no": f"案{i}-2", "counted_from": when, "stage": "filed",
                              "enforcement_recovered": 0, "created_at": now, "version": 1})
        _bulk(LitigationCase, cases, {"batch_id": None})


        _bulk(TaskReduction, [
            {"campaign_id": campaign.pk, "loan_id": i, "reason": "冒名", "evidence": "", "status": "approved",
             "requested_by_id": admin.pk, "requested_at": now, "decided_by_id": admin.pk,
             "decided_on": dt.date(2026, 5, 15), "decision_note": ""}
            for i in rnd.sample(range(1, n + 1), int(n * 0.003))
        ])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"loans": n, "borrowers": n_borrowers, "roster_rows": len(entries), "list_rows": len(listed),
            "cases": len(cases), "repayments": len(reps), "campaign": campaign.pk}


# ------------------------------------------------------------------------------------------ hand SQL
ROSTER_KINDS = list(ROSTER_SHARE)
LEAVES = ROSTER_KINDS + ["impersonated", "bank_staff", "borrower_sued_bank", "bank_sued_borrower", "large_mortgage"]
PARENTS = {
    "impersonated_or_staff": ["impersonated", "bank_staff"],
    "special_household": ["dibao", "disabled", "poverty", "emigrated"],
    "litigation": ["borrower_sued_bank", "bank_sued_borrower"],
}


def _cents(vendor, expr):
    return f"SUM(CAST(ROUND(({expr}) * 100) AS INTEGER))" if vendor == "sqlite" else f"SUM({expr}) * 100"


def _balance_cte(d: str) -> str:
    """Balances on a day, written by hand the same way: the current balance plus repayments after the
    day where that is exact, the latest snapshot on or before the day less later repayments elsewhere."""
    fast = f"(l.snapshot_date <= {d} AND l.principal_balance > 0)"
    return f"""
slow_loans AS (SELECT l.id FROM loans_loan l WHERE NOT {fast}),
snap AS (
  SELECT s.loan_id, s.as_of, s.principal_balance FROM loans_loansnapshot s
  JOIN (SELECT x.loan_id, MAX(x.as_of) AS m FROM loans_loansnapshot x JOIN slow_loans sl ON sl.id = x.loan_id
        WHERE x.as_of <= {d} GROUP BY x.loan_id) x ON x.loan_id = s.loan_id AND x.m = s.as_of),
srep AS (
  SELECT r.loan_id, SUM(r.principal) AS p FROM collection_repayment r JOIN snap ON snap.loan_id = r.loan_id
  WHERE r.confirmed AND r.paid_on > snap.as_of AND r.paid_on <= {d} GROUP BY r.loan_id),
slow AS (SELECT snap.loan_id, snap.principal_balance - COALESCE(srep.p, 0) AS balance FROM snap LEFT JOIN srep ON srep.loan_id = snap.loan_id),
ra AS (SELECT loan_id, SUM(principal) AS p FROM collection_repayment WHERE confirmed AND paid_on > {d} GROUP BY loan_id),
bal AS (
  SELECT l.id, l.borrower_id, l.township_id, l.has_mortgage,
         CASE WHEN {fast} THEN l.principal_balance + COALESCE(ra.p, 0) ELSE slow.balance END AS balance
  FROM loans_loan l LEFT JOIN ra ON ra.loan_id = l.id LEFT JOIN slow ON slow.loan_id = l.id)"""


def hand_categories_sql(vendor: str) -> tuple[str, list]:
    d = "%s"
    kinds = ", ".join(f"MAX(CASE WHEN r.kind = '{k}' THEN 1 ELSE 0 END) AS {k}" for k in ROSTER_KINDS)
    sql = f"""WITH {_balance_cte(d)},
rb AS (
  SELECT b.id AS borrower_id, {kinds} FROM categories_rosterentry r
  JOIN categories_rosterperson p ON p.id = r.person_id JOIN loans_borrower b ON b.id_hash = p.id_hash
  WHERE r.township_id IS NULL AND r.valid_from <= {d} AND (r.valid_to IS NULL OR r.valid_to > {d}) GROUP BY b.id),
rs AS (
  SELECT l.id AS loan_id, {kinds} FROM categories_rosterentry r
  JOIN categories_rosterperson p ON p.id = r.person_id JOIN loans_borrower b ON b.id_hash = p.id_hash
  JOIN loans_loan l ON l.borrower_id = b.id AND l.township_id = r.township_id
  WHERE r.township_id IS NOT NULL AND r.valid_from <= {d} AND (r.valid_to IS NULL OR r.valid_to > {d}) GROUP BY l.id),
lm AS (
  SELECT loan_id, MAX(CASE WHEN subcategory = 'impersonated' THEN 1 ELSE 0 END) AS impersonated,
         MAX(CASE WHEN subcategory = 'bank_staff' THEN 1 ELSE 0 END) AS bank_staff
  FROM categories_loanlistentry WHERE valid_from <= {d} AND (valid_to IS NULL OR valid_to > {d}) GROUP BY loan_id),
cm AS (
  SELECT loan_id, MAX(CASE WHEN direction = 'borrower_sued_bank' THEN 1 ELSE 0 END) AS borrower_sued_bank,
         MAX(CASE WHEN direction = 'bank_sued_borrower' THEN 1 ELSE 0 END) AS bank_sued_borrower
  FROM litigation_litigationcase WHERE counted_from <= {d} GROUP BY loan_id),
f AS (
  SELECT bal.borrower_id, bal.balance,
    {", ".join(f"CASE WHEN rb.{k} = 1 OR rs.{k} = 1 THEN 1 ELSE 0 END AS {k}" for k in ROSTER_KINDS)},
    COALESCE(lm.impersonated, 0) AS impersonated, COALESCE(lm.bank_staff, 0) AS bank_staff,
    COALESCE(cm.borrower_sued_bank, 0) AS borrower_sued_bank, COALESCE(cm.bank_sued_borrower, 0) AS bank_sued_borrower,
    CASE WHEN bal.has_mortgage AND bal.balance >= CAST({d} AS NUMERIC) THEN 1 ELSE 0 END AS large_mortgage
  FROM bal LEFT JOIN rb ON rb.borrower_id = bal.borrower_id LEFT JOIN rs ON rs.loan_id = bal.id LEFT JOIN lm ON lm.loan_id = bal.id LEFT JOIN cm ON cm.loan_id = bal.id
  WHERE bal.balance > 0)
SELECT """
    cols = []
    codes = {**{c: f"f.{c} = 1" for c in LEAVES}, **{p: "(" + " OR ".join(f"f.{s} = 1" for s in subs) + ")" for p, subs in PARENTS.items()}}
    for code, cond in codes.items():
        cols.append(f"COUNT(CASE WHEN {cond} THEN 1 END) AS n_{code}")
        cols.append(f"COUNT(DISTINCT CASE WHEN {cond} THEN f.borrower_id END) AS h_{code}")
        cols.append(f"{_cents(vendor, f'CASE WHEN {cond} THEN f.balance END')} AS a_{code}")
    sql += ",\n  ".join(cols) + "\nFROM f"
    # placeholders, in order: the day (balance CTEs 7, rb 2, rs 2, lm 2, cm 1), then the large-mortgage threshold
    return sql, codes


def _no_jit(cur) -> None:
    """The same session setting the report code uses, so both sides run alike (JIT compile time
    dwarfs these statements' run time)."""
    if cur.connection.__class__.__module__.startswith("psycopg"):
        cur.execute("SELECT set_config('jit', 'off', true)")


def hand_categories(day, threshold) -> dict:
    from django.db import connection, transaction

    sql, codes = hand_categories_sql(connection.vendor)
    params = [day] * (sql.count("%s") - 1) + [threshold]
    with transaction.atomic(), connection.cursor() as cur:
        _no_jit(cur)
        cur.execute(sql, params)
        row = dict(zip([c[0] for c in cur.description], cur.fetchone()))
    return {c: (row[f"n_{c}"], row[f"h_{c}"], (Decimal(row[f"a_{c}"] or 0) / 100).quantize(Decimal("0.01"))) for c in codes}


def hand_summary(campaign_id, baseline, as_of) -> dict:
    from django.db import connection, transaction

    v = connection.vendor
    channel_cols = ", ".join(
        _cents(v, f"CASE WHEN r.channel = '{c}' THEN r.principal END") + f" AS c_{c}"
        for c in ("cash", "refinance", "court", "collateral", "other")
    )
    sql = f"""WITH {_balance_cte("%s")},
task AS (
  SELECT id, balance FROM bal WHERE balance > 0 AND id NOT IN (
    SELECT loan_id FROM campaigns_taskreduction WHERE campaign_id = %s AND status = 'approved' AND decided_on <= %s)),
col AS (
  SELECT COUNT(DISTINCT CASE WHEN r.principal > 0 THEN r.loan_id END) AS n, {_cents(v, "r.principal")} AS p,
         {_cents(v, "r.interest")} AS i,
         {channel_cols}
  FROM collection_repayment r JOIN task ON task.id = r.loan_id
  WHERE r.confirmed AND r.paid_on > %s AND r.paid_on <= %s)
SELECT (SELECT COUNT(*) FROM task) AS tn, (SELECT {_cents(v, "balance")} FROM task) AS ta, col.* FROM col"""
    with transaction.atomic(), connection.cursor() as cur:
        _no_jit(cur)
        cur.execute(sql, [baseline] * (sql.count("%s") - 4) + [campaign_id, as_of, baseline, as_of])
        row = dict(zip([c[0] for c in cur.description], cur.fetchone()))
    c = lambda k: (Decimal(row[k] or 0) / 100).quantize(Decimal("0.01"))  # noqa: E731
    return {"task_count": row["tn"], "task_amount": c("ta"), "collected_count": row["n"], "collected_amount": c("p"),
            "interest_collected": c("i"), **{f"by_{ch}": c(f"c_{ch}") for ch in ("cash", "refinance", "court", "collateral", "other")}}


# ----------------------------------------------------------------------------------------- the run
def _best(fn, runs=3):
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), times[0], out


def worker(n: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from npl.campaigns.figures import campaign_figures
    from npl.campaigns.models import Campaign
    from npl.categories.reports import category_report
    from npl.categories.services import threshold_on

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    made = build(n)
    build_s = time.perf_counter() - t
    campaign = Campaign.objects.get(pk=made["campaign"])
    res = {"vendor": connection.vendor, "build_s": build_s, **made}

    def orm_cat():
        return category_report(as_of=AS_OF)

    def hand_cat():
        return hand_categories(AS_OF, threshold_on(AS_OF))

    res["cat_orm_s"], res["cat_orm_first_s"], rep = _best(orm_cat)
    res["cat_hand_s"], res["cat_hand_first_s"], hand = _best(hand_cat)
    got = {}
    for c in rep["categories"]:
        for r in [c, *c.get("subcategories", [])]:
            got[r["code"]] = (r["count"], r["households"], Decimal(r["amount"]))
    res["cat_equal"] = got == hand
    if not res["cat_equal"]:
        res["cat_diff"] = {k: [str(got.get(k)), str(hand.get(k))] for k in hand if got.get(k) != hand.get(k)}
    res["cat_sample"] = {k: [got[k][0], str(got[k][2])] for k in ("special_household", "lost_contact", "large_mortgage")}

    def orm_sum():
        return campaign_figures(campaign, AS_OF)[None]

    def hand_sum():
        return hand_summary(campaign.pk, campaign.baseline, AS_OF)

    res["sum_orm_s"], res["sum_orm_first_s"], s = _best(orm_sum)
    res["sum_hand_s"], res["sum_hand_first_s"], h = _best(hand_sum)
    mine = {k: s[k] for k in ("task_count", "task_amount", "collected_count", "collected_amount", "interest_collected")}
    mine.update({f"by_{c}": v for c, v in s["collected_by_channel"].items()})
    res["sum_equal"] = mine == h
    if not res["sum_equal"]:
        res["sum_diff"] = {k: [str(mine.get(k)), str(h.get(k))] for k in h if mine.get(k) != h.get(k)}
    res["summary"] = {k: str(v) for k, v in s.items() if k != "collected_by_channel"}
    return res


def run_backend(name: str, n: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="npl-bench-reports-")
    if name == "postgresql":
        import psycopg

        dbname = PG_URL.rsplit("/", 1)[1]
        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = PG_URL
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    env = dict(os.environ, DATABASE_URL=url, NPL_DATA_DIR=tmp, DJANGO_SETTINGS_MODULE="npl.settings")
    p = subprocess.run([PY, __file__, "--worker", "--loans", str(n)], env=env, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"{name} worker failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(worker(args.loans), default=str))
        return
    backends = [b for b, off in (("sqlite", args.no_sqlite), ("postgresql", args.no_postgres)) if not off]
    results = [run_backend(b, args.loans) for b in backends]
    print(f"district of {args.loans:,} loans; report day {AS_OF}, campaign baseline {BASELINE}; best of 3 (first run)")
    print(f"{'backend':11}{'build':>8} | {'categories':>16}{'hand SQL':>16}{'ratio':>7} | {'summary':>16}{'hand SQL':>16}{'ratio':>7} | equal")
    ok = True
    for r in results:
        cr, sr = r["cat_orm_s"] / r["cat_hand_s"], r["sum_orm_s"] / r["sum_hand_s"]
        print(f"{r['vendor']:11}{r['build_s']:>7.0f}s | {r['cat_orm_s']:>7.3f}s ({r['cat_orm_first_s']:.3f}){r['cat_hand_s']:>7.3f}s ({r['cat_hand_first_s']:.3f}){cr:>7.2f}"
              f" | {r['sum_orm_s']:>7.3f}s ({r['sum_orm_first_s']:.3f}){r['sum_hand_s']:>7.3f}s ({r['sum_hand_first_s']:.3f}){sr:>7.2f} | {r['cat_equal'] and r['sum_equal']}")
        for k in ("cat_diff", "sum_diff"):
            if k in r:
                print(f"  {k}: {r[k]}")
        ok = ok and r["cat_equal"] and r["sum_equal"]
    if results:
        r = results[-1]
        print(f"rows: {r['roster_rows']:,} roster rows, {r['list_rows']:,} listed loans, {r['cases']:,} cases, {r['repayments']:,} repayments")
        print(f"figures: {r['cat_sample']}; summary {r['summary']}")
    assert ok, "the report and the hand SQL disagree"


if __name__ == "__main__":
    main()
