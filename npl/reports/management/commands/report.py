"""`npl report categories|summary|clocks` (INTAKE.md): the figures as JSON or a readable Chinese table."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from npl.categories.cli import UsageError, dump, find_township, parse_day, run_guarded


class Command(BaseCommand):
    help = "报表：九类特殊贷款（categories）、清收行动汇总（summary）、法律时效（clocks）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="categories|summary|clocks")
        for name, text in (("categories", "九类特殊贷款统计"), ("summary", "清收行动完成情况"), ("clocks", "法律时效")):
            p = sub.add_parser(name, help=text)
            p.add_argument("--township", help="乡镇名称（默认全区）")
            p.add_argument("--as-of", dest="as_of", help="统计日期（默认今天）")
            p.add_argument("--json", action="store_true", help="输出 JSON")
            if name == "summary":
                p.add_argument("--campaign", help="清收行动名称（默认最新一次）")

    def handle(self, *args, **opts):
        run_guarded(lambda: self._handle(opts))

    def _handle(self, opts):
        town = find_township(opts.get("township"))
        day = parse_day(opts.get("as_of"), "统计日期") or timezone.localdate()
        what = opts["what"]
        if what == "categories":
            from npl.categories.reports import category_report

            data = category_report(township=town, as_of=day)
            self.stdout.write(dump(data) if opts["json"] else category_table(data))
        elif what == "summary":
            from npl.campaigns.figures import summary

            campaign = find_campaign(opts.get("campaign"))
            data = summary(campaign, day, township=town)
            self.stdout.write(dump(data) if opts["json"] else summary_table(data))
        else:
            from npl.collection.clocks import clocks_report

            data = clocks_report(township=town, as_of=day)
            self.stdout.write(dump(data) if opts["json"] else clocks_table(data))


def find_campaign(name):
    from npl.campaigns.models import Campaign

    if name is None:
        campaign = Campaign.objects.order_by("-baseline", "-created_at", "-pk").first()
        if campaign is None:
            raise UsageError("还没有清收行动，请先用 npl campaign create 创建")
        return campaign
    campaign = Campaign.objects.filter(name=name.strip()).first()
    if campaign is None:
        raise UsageError(f"清收行动“{name}”不存在")
    return campaign


def category_table(data: dict) -> str:
    lines = [f"{data['scope']} 九类特殊不良贷款（截至 {data['as_of']}）", f"{'类别':<16}{'笔数':>6}{'户数':>6}{'金额（万元）':>14}"]
    for c in data["categories"]:
        lines.append(f"{c['name']:<16}{c['count']:>6}{c.get('households', ''):>6}{c['amount_wan']:>14}")
        for s in c.get("subcategories", []):
            lines.append(f"  其中：{s['name']:<12}{s['count']:>6}{s.get('households', ''):>6}{s['amount_wan']:>14}")
    return "\n".join(lines)


def summary_table(d: dict) -> str:
    from npl.core.money import fmt_wan

    return "\n".join(
        [
            f"{d['scope']} {d['campaign']} 完成情况（截至 {d['as_of']}）",
            f"清收任务：{d['task_count']}笔、{fmt_wan(d['task_amount'])}万元",
            f"已清收（含部分还款）：{d['collected_count']}笔、{fmt_wan(d['collected_amount'])}万元",
            f"剩余清收金额：{fmt_wan(d['remaining_amount'])}万元",
            f"清收率：{d['recovery_rate']}%",
            f"收回利息（不计入清收率）：{fmt_wan(d['interest_collected'])}万元",
        ]
    )


def clocks_table(d: dict) -> str:
    """The clocks for people: Chinese labels, and why a deadline moved past rest days (民法典第203条)."""
    from npl.collection.clocks import BASIS_LABELS, STATUS_LABELS

    lines = [f"{d.get('scope', '')} 法律时效（截至 {d.get('as_of', '')}）", "借据号 时效届满日 依据 状态 申请执行期限 说明"]
    for r in d.get("loans", []):
        notes = [n for n in (r.get("limitation_deadline_reason"), r.get("enforcement_deadline_reason")) if n]
        lines.append(
            f"{r.get('loan_no')} {r.get('limitation_deadline') or '诉讼中'} {BASIS_LABELS.get(r.get('limitation_basis'), '')} "
            f"{STATUS_LABELS.get(r.get('limitation_status'), '')} {r.get('enforcement_deadline') or '-'} {'；'.join(notes)}".rstrip()
        )
    return "\n".join(lines)
