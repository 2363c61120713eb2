#!/usr/bin/env python3
"""Benchmark: does the learned likelihood model beat the rule baseline on a time-based hold-out?

Loads the demo district (3,000 loans, two years of simulated collection history) into a fresh SQLite
database in a temporary data dir (or uses the database of --data-dir / DATABASE_URL when it already
holds loans), then:
  1. builds samples (loan × monthly cutoff, features known on the cutoff, label = any principal repaid
     in the 90 days after it) up to the end of the history;
  2. holds out the latest cutoffs (default 3) and trains only on cutoffs whose 90-day window closed by
     the first hold-out cutoff (nothing of the hold-out period leaks into training);
  3. scores the hold-out with the model (its stored numbers, checked against scikit-learn's own
     predictions) and with the rule baseline (the points table in force);
  4. prints AUC, Brier score and base rate for both, a paired bootstrap interval of the AUC gain
     (resampling loans), and the calibration deciles (mean predicted vs observed rate).

    .venv/bin/python benchmarks/likelihood.py [--holdout 3] [--loans 3000] [--data-dir DIR]
"""
import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(data_dir: str | None) -> None:
    if data_dir:
        os.environ["NPL_DATA_DIR"] = data_dir
    elif "NPL_DATA_DIR" not in os.environ:
        os.environ["NPL_DATA_DIR"] = tempfile.mkdtemp(prefix="npl-bench-likelihood-")
        os.environ.pop("DATABASE_URL", None)  # a fresh SQLite file in the temporary data dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npl.settings")
    import django

    django.setup()


def bootstrap_auc_gain(ids, y, p_model, p_base, reps: int = 200, seed: int = 7):
    """A 95 % interval of AUC(model) − AUC(baseline), resampling loans (a loan's cutoffs stay together)."""
    from npl.likelihood.learn import auc

    by_loan: dict = {}
    for i, pk in enumerate(ids):
        by_loan.setdefault(pk, []).append(i)
    loans = list(by_loan)
    rnd = random.Random(seed)
    gains = []
    for _ in range(reps):
        rows = [i for pk in rnd.choices(loans, k=len(loans)) for i in by_loan[pk]]
        a, b = auc([y[i] for i in rows], [p_model[i] for i in rows]), auc([y[i] for i in rows], [p_base[i] for i in rows])
        if a is not None and b is not None:
            gains.append(a - b)
    gains.sort()
    return gains[int(0.025 * len(gains))], gains[int(0.975 * len(gains)) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--holdout", type=int, default=3, help="how many of the latest cutoffs to hold out (default 3)")
    ap.add_argument("--loans", type=int, default=3000, help="demo district size when it has to be loaded")
    ap.add_argument("--data-dir", help="use this NPL_DATA_DIR (its database) instead of a temporary one")
    ap.add_argument("--as-of", help="end of the history (default: the demo's, 2026-10-31)")
    args = ap.parse_args()
    setup(args.data_dir)

    from django.core.management import call_command

    from npl.demo.generate import REPAID_UNTIL
    from npl.likelihood import baseline, learn
    from npl.likelihood.features import HORIZON_DAYS, samples
    from npl.likelihood.services import earliest_fact
    from npl.loans.models import Loan

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Loan.objects.exists():
        from npl.demo.services import load_demo

        print(f"载入演示区县（{args.loans}笔贷款）到 {os.environ['NPL_DATA_DIR']} …", flush=True)
        load_demo(loans=args.loans)
    loaded = time.perf_counter()
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else REPAID_UNTIL
    cutoffs = learn.cutoffs_for(as_of, earliest_fact())
    if len(cutoffs) < args.holdout + learn.MIN_CUTOFFS:
        sys.exit(f"历史太短：只有{len(cutoffs)}个观察时点")
    held = cutoffs[-args.holdout:]
    train_cuts = [c for c in cutoffs if c + dt.timedelta(days=HORIZON_DAYS) <= held[0]]
    ids = list(Loan.objects.values_list("pk", flat=True))
    rows = samples(ids, train_cuts + held)
    train = [s for s in rows if s.cutoff in set(train_cuts)]
    test = [s for s in rows if s.cutoff in set(held)]
    built = time.perf_counter()
    params = learn.fit(train)
    y = [bool(s.y) for s in test]
    p_model = [params.probability(s.x) for s in test]
    rules = baseline.rules_in_force()
    p_base = [baseline.evaluate(s.x, rules)[0] for s in test]
    sk = learn.sklearn_pipeline_probabilities(test, train)
    gap = max(abs(a - b) for a, b in zip(p_model, sk))
    m, b = learn.evaluation(y, p_model), learn.evaluation(y, p_base)
    lo, hi = bootstrap_auc_gain([s.loan_id for s in test], y, p_model, p_base)

    print(f"\n回收可能性：模型与规则基准，时间切分的留出评估（数据截至 {as_of}）")
    print(f"训练：{len(train_cuts)}个观察时点 {train_cuts[0]}～{train_cuts[-1]}，{len(train)}个样本，"
          f"正样本率 {sum(bool(s.y) for s in train) / len(train):.1%}")
    print(f"留出：{len(held)}个观察时点 {held[0]}～{held[-1]}，{len(test)}个样本，正样本率 {m['positive_rate']:.1%}"
          f"（训练样本的90天窗口都在 {held[0]} 前结束）")
    print(f"\n{'':10}{'AUC':>8}{'Brier':>9}{'平均预测':>10}")
    for name, e, p in (("模型", m, p_model), ("规则基准", b, p_base)):
        print(f"{name:{10 - len(name)}}{e['auc']:8.3f}{e['brier']:9.4f}{sum(p) / len(p):12.1%}")
    print(f"AUC提升 {m['auc'] - b['auc']:+.3f}（按贷款自助抽样95%区间 {lo:+.3f}～{hi:+.3f}）；"
          f"Brier {'降低' if m['brier'] < b['brier'] else '升高'} {abs(m['brier'] - b['brier']):.4f}")
    verdict = "模型优于规则基准" if lo > 0 and m["brier"] < b["brier"] else "模型未能稳定优于规则基准"
    print(f"结论：{verdict}")
    print("\n校准（按预测概率十等分：平均预测 / 实际比例）")
    print(f"{'分位':>4}{'模型 预测':>11}{'实际':>8}{'规则 预测':>12}{'实际':>8}")
    for cm, cb in zip(m["calibration"], b["calibration"]):
        print(f"{cm['decile']:>4}{cm['predicted']:11.1%}{cm['observed']:8.1%}{cb['predicted']:12.1%}{cb['observed']:8.1%}")
    print("\n模型影响最大的特征（每个标准差的系数）：")
    print("  " + "，".join(f"{k} {v:+.2f}" for k, v in learn.top_coefficients(params, 10)))
    print(f"\n存储参数与scikit-learn预测的最大差异：{gap:.2e}")
    print(f"用时：载入 {loaded - started:.0f}s，构造样本 {built - loaded:.0f}s，训练与评估 {time.perf_counter() - built:.0f}s")


if __name__ == "__main__":
    main()
