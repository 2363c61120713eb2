"""`npl advise [--township NAME] [--as-of DATE] [--json]`: the suggestions for every loan in scope on a day.

JSON: {"as_of", "scope", "suggestions": [{"loan_no", "action", "rule", "why", "due", "priority"}]}, by loan
number then priority. Exit 0 on success, 2 on an unusable call (unknown township, bad date).
"""
from npl.core.cli import Exit, NplCommand, parse_day


class Command(NplCommand):
    help = "清收建议：按规则列出全区或某乡镇每笔贷款的建议措施、原因和期限"

    def add_arguments(self, parser):
        parser.add_argument("--township", help="乡镇名称（默认全区）")
        parser.add_argument("--as-of", dest="as_of", help="统计日（默认今天）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **opts):
        from django.utils import timezone

        from npl.advice.services import suggestions_for
        from npl.collection.clocks.gather import resolve_township
        from npl.loans.models import Loan
        from npl.org.models import District, Township

        day = parse_day(opts.get("as_of")) or timezone.localdate()
        try:
            town = resolve_township(opts.get("township"))
        except Township.DoesNotExist as exc:
            raise Exit(str(exc)) from exc
        loans = Loan.objects.all() if town is None else Loan.objects.filter(township=town)
        found = suggestions_for(loans, day)
        scope = town.name if town is not None else District.current().name
        if opts["json"]:
            self.emit_json({"as_of": day.isoformat(), "scope": scope, "suggestions": [s.as_json() for s in found]})
            return
        self.stdout.write(f"{scope} 清收建议（统计日 {day:%Y-%m-%d}）：共 {len(found)} 条")
        if found:
            self.stdout.write("借据号\t措施\t期限\t优先级\t原因")
        for s in found:
            self.stdout.write(f"{s.loan_no}\t{s.action_label}\t{s.due:%Y-%m-%d}\t{s.priority}\t{s.why}")
