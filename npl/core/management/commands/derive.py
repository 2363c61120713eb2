"""`npl derive`: recompute the stored derived rows (memberships, clocks, suggestions, counts) of every loan;
`npl derive --check`: recompute them in memory and report where the stored rows differ (exit 1 if any)."""
from npl.core import bulk, derived
from npl.core.cli import Exit, NplCommand


class Command(NplCommand):
    help = "重算派生数据（类别归属、法律时效、建议、统计数），或用 --check 核对存储值与重算值的差异"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只核对，不写入；有差异时退出码为 1")
        parser.add_argument("--only", help="只处理这些派生数据，逗号分隔（如 memberships,clocks）")
        parser.add_argument("--limit", type=int, default=20, help="每类最多列出多少条差异（默认 20）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **opts):
        only = [n.strip() for n in opts["only"].split(",") if n.strip()] if opts["only"] else None
        try:
            chosen = derived.derivers(only)
        except ValueError as exc:
            raise Exit(str(exc)) from exc
        if not chosen:
            raise Exit("没有登记任何派生数据")
        names = [d.name for d in chosen]
        if opts["check"]:
            result = derived.check(only=names, limit=opts["limit"])
            if opts["json"]:
                self.emit_json({
                    "as_of": result.day.isoformat(),
                    "differences": result.total,
                    "derivers": {
                        name: {"differences": result.counts[name], "seconds": round(result.seconds[name], 3),
                               "examples": [vars(d) for d in result.examples[name]]}
                        for name in names
                    },
                })
            else:
                labels = {d.name: d.label for d in chosen}
                for name in names:
                    self.stdout.write(f"{labels[name]}（{name}）：{result.counts[name]} 处差异，"
                                      f"用时 {result.seconds[name]:.1f} 秒")
                    for diff in result.examples[name]:
                        self.stdout.write(f"  {diff.text()}")
                self.stdout.write(f"核对日 {result.day:%Y-%m-%d}，共 {result.total} 处差异")
            if result.total:
                raise SystemExit(1)
            return
        done = derived.rebuild(only=names)
        bulk.tidy_after_bulk()  # the rows it rewrote leave dead versions (PostgreSQL): VACUUM them now
        if opts["json"]:
            self.emit_json({name: {"changed": n, "seconds": round(s, 3)} for name, (n, s) in done.items()})
            return
        for d in chosen:
            n, s = done[d.name]
            self.stdout.write(f"{d.label}（{d.name}）：更新 {n} 行，用时 {s:.1f} 秒")
