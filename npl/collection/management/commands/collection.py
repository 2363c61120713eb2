"""`npl collection sweep [--date DATE] [--json]`: the daily pass over promises, plans, suspensions and waivers."""
from npl.core.cli import NplCommand, parse_day


class Command(NplCommand):
    help = "清收日常处理：sweep 认定承诺履行/违约、还款计划分期逾期与违约、停息到期恢复计息、借新还旧保证人解除、减免先还后免生效或作废"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="sweep")
        p = sub.add_parser("sweep", help="按日处理（可重复运行，结果相同）")
        p.add_argument("--date", help="按哪一天处理（默认今天）")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        from django.utils import timezone

        from npl.collection.services import sweep
        from npl.waivers.services import sweep_waivers

        day = parse_day(opts.get("date"), "--date") or timezone.localdate()
        counts = sweep(day)
        # After the plans: a plan broken today voids the waiver that depends on it.
        waivers = sweep_waivers(day)
        counts.update({"waivers_applied": waivers["applied"], "waivers_voided": waivers["voided"]})
        # Background document batches nobody came back for are removed on quiet days too.
        from npl.documents.tasks import purge_expired

        counts["document_batches_removed"] = purge_expired()
        # What the passing of time changes (a deadline passed, a category's balance condition, a suggestion
        # falling due): every loan's stored derived rows recomputed for today (npl.core.derived).
        from npl.core import derived

        counts["derived_rows_changed"] = sum(n for n, _ in derived.rebuild().values())
        keys = ("promises_kept", "promises_broken", "instalments_paid", "instalments_missed", "plans_broken",
                "plans_completed", "suspensions_ended", "guarantors_released", "waivers_applied", "waivers_voided", "document_batches_removed",
                "derived_rows_changed")
        data = {"date": day.isoformat(), **{k: counts.get(k, 0) for k in keys}}
        if opts["json"]:
            self.emit_json(data)
            return
        labels = ("承诺履行", "承诺违约", "分期还清", "分期逾期", "计划违约", "计划履行完毕", "恢复计息", "保证人解除", "减免生效", "减免作废", "清理过期批量文书", "派生数据更新行数")
        self.stdout.write(f"{data['date']} 清收日常处理：" + "，".join(f"{label} {data[k]}" for label, k in zip(labels, keys)))
