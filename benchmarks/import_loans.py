#!/usr/bin/env python3
"""Benchmark: `npl import loans` of a generated bank export against python-calamine's bare read.

Generates an N-loan export in the INTAKE.md layout (title rows, 统计日期, text amounts and dates in
mixed forms), then in the same run times:
  1. the bare read: python-calamine opening the file and iterating every row (the baseline), run again
     right before each import of that file, so an import and its baseline meet the same machine load;
  2. the full import (read, validate, write) through the `npl` command line on SQLite and PostgreSQL,
     each in a fresh database, and a second import of the same file (idempotent: nothing written);
and prints each time as a ratio to the bare read, by wall time and by CPU time (user + system of the
process: steadier than wall time on a shared machine), with the peak memory (max RSS) of each process.
Memory is also measured for a quarter-size file, to show whether it grows with file size.
`--npl` (repeatable) names the `npl` programs to compare, e.g. main's checkout beside this one: each
file and database is imported by each in turn.

    .venv/bin/python benchmarks/import_loans.py [--loans 100000] [--no-postgres] [--npl PATH ...]
Targets (issue 16 point 4): import within 4x the bare read at 100k loans, an unchanged re-import
within 2x, peak memory at 100k within 10% of 25k.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPL = str(ROOT / ".venv" / "bin" / "npl")
PY = str(ROOT / ".venv" / "bin" / "python")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/npl_bench_import")

HEADER = ["序号", "借据编号", "借款合同号", "客户名称", "证件号码", "联系电话", "所属乡镇", "村(社区)", "机构名称", "贷款金额",
          "本金余额", "欠息金额", "发放日期", "到期日", "担保方式", "五级分类", "执行利率", "管户客户经理"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉兵文辉力斌林德志"


def valid_id(rnd: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    born = dt.date(1945, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 50))
    body = f"6104{rnd.randrange(21, 32):02d}{born:%Y%m%d}{rnd.randrange(0, 1000):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def write_export(path: Path, n: int, seed: int = 7) -> None:
    """An N-loan bank export; about one borrower in five has a second loan."""
    import xlsxwriter

    rnd = random.Random(seed)
    towns = [f"{t}镇" for t in "柳溪 青石 白杨 龙泉 河湾 东岭 杏园 桃源 松林 石门".split()]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("不良贷款明细")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, "某区农合行不良贷款明细表")
    ws.write_string(1, 0, "统计日期：2026年03月31日")
    for c, h in enumerate(HEADER):
        ws.write_string(2, c, h)
    people = []
    for i in range(n):
        if people and rnd.random() < 0.2:
            name, idn, phone = rnd.choice(people)
        else:
            name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
            idn, phone = valid_id(rnd), f"1{rnd.choice('3578')}{rnd.randrange(10**8, 10**9)}"
            people.append((name, idn, phone))
        town = rnd.choice(towns)
        amount = rnd.randrange(20000, 500000) * 1.0
        balance = round(amount * rnd.uniform(0.3, 1.0), 2)
        issue = dt.date(2012, 1, 1) + dt.timedelta(days=rnd.randrange(0, 3650))
        maturity = issue + dt.timedelta(days=365 * rnd.choice((1, 2, 3)))
        r = i + 3
        ws.write_number(r, 0, i + 1)
        ws.write_string(r, 1, f"81030{i:08d}")
        ws.write_string(r, 2, f"农合借字{issue.year}第{i}号")
        ws.write_string(r, 3, name)
        ws.write_string(r, 4, idn)
        ws.write_string(r, 5, phone)
        ws.write_string(r, 6, town)
        ws.write_string(r, 7, f"{town[:2]}{rnd.randrange(1, 15)}村")
        ws.write_string(r, 8, f"{town[:2]}{rnd.choice('东西南北中')}分理处")
        ws.write_number(r, 9, amount)
        if i % 3 == 0:
            ws.write_string(r, 10, f"{balance:,.2f}")
        else:
            ws.write_number(r, 10, balance)
        ws.write_number(r, 11, round(rnd.uniform(0, 50000), 2))
        if i % 4 == 0:
            ws.write_string(r, 12, issue.strftime("%Y%m%d"))
        else:
            ws.write_datetime(r, 12, dt.datetime.combine(issue, dt.time()), date_fmt)
        ws.write_string(r, 13, f"{maturity.year}年{maturity.month}月{maturity.day}日" if i % 5 == 0 else maturity.isoformat())
        ws.write_string(r, 14, rnd.choice(["信用", "保证", "抵押", "抵押+保证", "质押"]))
        ws.write_string(r, 15, rnd.choice(["次级", "可疑", "损失"]))
        ws.write_string(r, 16, rnd.choice(["7.2", "8.1", "9.36", "10.8"]))
        ws.write_string(r, 17, rnd.choice(["赵刚", "周平", "孙丽", "郑凯"]))
    wb.close()


BARE_READ = """
import sys, time
from python_calamine import CalamineWorkbook
t, c = time.perf_counter(), time.process_time()
wb = CalamineWorkbook.from_path(sys.argv[1])
n = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())
print(time.perf_counter() - t, time.process_time() - c, n)
"""


def measured(cmd, env=None) -> tuple[float, int, str, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of that process, stdout, CPU seconds)."""
    out = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr.read().decode()[-500:]}")
    return wall, usage.ru_maxrss // 1024, text, usage.ru_utime + usage.ru_stime


def bare_read(path: Path) -> tuple[float, float]:
    """python-calamine's read of the file in a fresh process: (wall, CPU) seconds in-process."""
    out = measured([PY, "-c", BARE_READ, str(path)])[2].split()
    return float(out[0]), float(out[1])


def fresh_env(kind: str, tmp: Path, npl: str = NPL) -> dict:
    env = dict(os.environ, NPL_DATA_DIR=str(tmp / f"data-{kind}"))
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench-{time.time_ns()}.sqlite3"
    else:
        import psycopg

        dbname = PG_URL.rsplit("/", 1)[1]
        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = PG_URL
    subprocess.run([npl, "migrate", "-v0", "--noinput"], env=env, check=True, stderr=subprocess.DEVNULL)
    return env


HEAD = (f"{'db':9}{'loans':>9}{'import s':>10}{'x bare':>8}{'x cpu':>7}{'peak MiB':>10}{'re-import s':>13}{'x bare':>8}"
        f"{'x cpu':>7}{'peak MiB':>10}  npl")


def line(backend, npl, n, first, base1, again, base2) -> str:
    """One row of the table: an import and its re-import, each over the bare read timed just before it."""
    (t1, m1, _, c1), (b1, bc1), (t2, m2, _, c2), (b2, bc2) = first, base1, again, base2
    return (f"{backend:9}{n:>9,}{t1:>10.1f}{t1 / b1:>8.1f}{c1 / bc1:>7.1f}{m1:>10}{t2:>13.1f}{t2 / b2:>8.1f}"
            f"{c2 / bc2:>7.1f}{m2:>10}  {npl}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=100_000)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--npl", action="append", help="an npl program to time (repeatable; default: this checkout's)")
    args = ap.parse_args()
    programs = args.npl or [NPL]
    tmp = Path(tempfile.mkdtemp(prefix="npl-bench-"))
    sizes = {"full": args.loans, "quarter": max(args.loans // 4, 1)}
    files = {}
    for label, n in sizes.items():
        files[label] = tmp / f"loans-{n}.xlsx"
        t = time.perf_counter()
        write_export(files[label], n)
        print(f"generated {n:,} loans in {time.perf_counter() - t:.1f}s ({files[label].stat().st_size / 2**20:.1f} MiB)")

    wall, rss, out, _ = measured([PY, "-c", BARE_READ, str(files["full"])])
    print(f"\nbare read (python-calamine, {args.loans:,} rows): {float(out.split()[0]):.2f}s in-process, {wall:.2f}s with start-up, peak {rss} MiB")

    print(HEAD)
    rows = []
    for backend in ["sqlite"] + ([] if args.no_postgres else ["postgres"]):
        for label in ("quarter", "full"):
            for npl in programs:
                env = fresh_env(backend, tmp, npl)
                cmd = [npl, "import", "loans", str(files[label]), "--create-units", "--json"]
                base1 = bare_read(files[label])
                first = measured(cmd, env)
                report = json.loads(first[2])
                base2 = bare_read(files[label])
                again = measured(cmd, env)
                report2 = json.loads(again[2])
                assert report["created"] == sizes[label], report["created"]
                assert report2["created"] == 0 and report2["updated"] == 0, "re-import must change nothing"
                assert report2["unchanged"] == report["created"], "every row of the re-import is unchanged"
                rows.append(line(backend, npl, sizes[label], first, base1, again, base2))
                print(rows[-1], flush=True)  # as it comes: a long run on a loaded machine may be stopped early

    print(f"\n{HEAD}")
    print(*rows, sep="\n")
    print("\n(x bare: the import's wall time over the bare read of the same file timed just before it; x cpu: the"
          "\n same for CPU seconds; peak MiB for the quarter and the full file side by side show whether memory"
          "\n grows with the file)")


if __name__ == "__main__":
    sys.exit(main())
