"""`npl campaign create NAME --baseline DATE [--township NAME] [--json]` and `npl campaign list`."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from npl.categories.cli import UsageError, dump, find_township, parse_day, run_guarded


class Command(BaseCommand):
    help = "清收行动：create 创建（基准日的贷款即清收任务）、list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="create|list")
        p = sub.add_parser("create", help="创建清收行动")
        p.add_argument("name", help="名称")
        p.add_argument("--baseline", required=True, help="基准日")
        p.add_argument("--township", help="范围：乡镇名称（默认全区）")
        p.add_argument("--ends-on", dest="ends_on", help="截止日期")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("list", help="列出清收行动")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        run_guarded(lambda: self._handle(opts))

    def _handle(self, opts):
        from npl.campaigns.figures import as_json, campaign_figures
        from npl.campaigns.models import Campaign

        if opts["what"] == "list":
            rows = [
                {"name": c.name, "baseline": c.baseline.isoformat(), "scope": c.township.name if c.township_id else "全区"}
                for c in Campaign.objects.select_related("township")
            ]
            self.stdout.write(dump({"campaigns": rows}) if opts["json"] else "\n".join(f"{r['name']} 基准日 {r['baseline']} 范围 {r['scope']}" for r in rows))
            return
        from npl.campaigns.services import create_campaign

        baseline = parse_day(opts["baseline"], "基准日")
        town = find_township(opts.get("township"))
        ends_on = parse_day(opts.get("ends_on"), "截止日期")
        try:
            campaign = create_campaign(opts["name"], baseline, township=town, ends_on=ends_on)
        except ValidationError as exc:
            raise UsageError("；".join(exc.messages)) from exc
        figs = as_json(campaign_figures(campaign, baseline)[None])
        data = {
            "name": campaign.name,
            "baseline": baseline.isoformat(),
            "scope": town.name if town else "全区",
            "task_count": figs["task_count"],
            "task_amount": figs["task_amount"],
        }
        if opts["json"]:
            self.stdout.write(dump(data))
        else:
            self.stdout.write(f"已创建清收行动“{campaign.name}”，基准日 {data['baseline']}，任务 {data['task_count']} 笔、{data['task_amount']} 元")
