"""`npl likelihood train [--as-of DATE]` and `npl likelihood score LOAN_NO [--as-of DATE]`."""
from npl.core.cli import Exit, NplCommand, parse_day


class Command(NplCommand):
    help = "回收可能性：train 用平台历史训练模型；score 查看一笔贷款未来90天还本的可能性及理由"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="train|score")
        t = sub.add_parser("train", help="训练模型（样本不足时不保存，继续用规则估计）")
        t.add_argument("--as-of", help="数据截至日期（默认今天）")
        t.add_argument("--json", action="store_true")
        s = sub.add_parser("score", help="一笔贷款的估计")
        s.add_argument("loan_no", metavar="LOAN_NO")
        s.add_argument("--as-of", help="按哪一天估计（默认今天）")
        s.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        as_of = parse_day(opts.get("as_of"))
        if opts["what"] == "train":
            self.train(as_of, opts["json"])
        else:
            self.score(opts["loan_no"], as_of, opts["json"])

    def train(self, as_of, as_json):
        from npl.likelihood import learn
        from npl.likelihood.services import train

        run = train(as_of)
        if run.model is not None:  # it rewrote every loan's suggestions (their scores): clear the old versions
            from npl.core import bulk

            bulk.tidy_after_bulk()
        data = {"stored": run.model is not None, "n_samples": run.n_samples, "n_positive": run.n_positive,
                "cutoffs": [c.isoformat() for c in run.cutoffs]}
        if run.model is not None:
            data.update(model_id=run.model.pk, as_of=run.model.as_of.isoformat(), metrics=run.model.metrics)
        if as_json:
            self.emit_json(data)
            return
        span = f"{run.cutoffs[0]}～{run.cutoffs[-1]}，{len(run.cutoffs)}个观察时点" if run.cutoffs else "无观察时点"
        self.stdout.write(f"样本{run.n_samples}个（其中90天内有还本{run.n_positive}个），{span}")
        if run.model is None:
            self.stdout.write(f"样本不足（需至少{learn.MIN_SAMPLES}个样本、{learn.MIN_POSITIVES}个正样本、"
                              f"{learn.MIN_CUTOFFS}个观察时点）：未保存模型，暂用规则估计")
            return
        m = run.model.metrics
        self.stdout.write(f"已保存模型 #{run.model.pk}：样本内AUC {m['in_sample_auc']:.3f}，Brier {m['in_sample_brier']:.4f}")
        self.stdout.write("影响最大的特征（每个标准差的系数）：" + "，".join(f"{k} {v:+.2f}" for k, v in m["top_coefficients"]))

    def score(self, loan_no, as_of, as_json):
        from npl.likelihood.scoring import score_loan
        from npl.loans.models import Loan

        loan = Loan.objects.filter(loan_no=loan_no.strip()).first()
        if loan is None:
            raise Exit(f"借据号“{loan_no}”不存在")
        s = score_loan(loan, as_of)
        if as_json:
            self.emit_json({"loan_no": loan.loan_no, "probability": round(s.probability, 4), "source": s.source,
                            "reasons": list(s.reasons)})
            return
        source = "模型" if s.source == "model" else "规则"
        self.stdout.write(f"{loan.loan_no}：未来90天还本可能性 {s.probability:.1%}（{source}估计）")
        for reason in s.reasons:
            self.stdout.write(f"  · {reason}")
