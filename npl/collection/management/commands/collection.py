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

        from npl.core import bulk, daily, derived

        day = parse_day(opts.get("date"), "--date") or timezone.localdate()
        # The apps' daily jobs in their order (npl/core/daily.py): the collection's promises, plans and
        # suspensions; then the waivers' (a plan broken today voids its waiver); then expired document batches.
        counts, labels = daily.run_all(day)
        # What the passing of time changes (a deadline passed, a category's balance condition, a suggestion
        # falling due): every loan's stored derived rows recomputed for today (npl.core.derived).
        counts["derived_rows_changed"] = sum(n for n, _ in derived.rebuild().values())
        bulk.tidy_after_bulk()  # the rows the recompute rewrote leave dead versions (PostgreSQL): VACUUM them now
        labels.append(("derived_rows_changed", "派生数据更新行数"))
        data = {"date": day.isoformat(), **{k: counts[k] for k, _ in labels}}
        if opts["json"]:
            self.emit_json(data)
            return
        self.stdout.write(f"{data['date']} 清收日常处理：" + "，".join(f"{label} {data[k]}" for k, label in labels))
