"""`npl bulletin snapshot [--date D | --from D --to D]`, `npl bulletin daily --date D --out PATH`,
`npl bulletin weekly --week YYYY-Www --out PATH` (.docx, .xlsx or .pdf by the extension; `--campaign` name or id).

Exit codes: 0 done; 1 nothing to report (no campaign, no snapshot); 2 an unusable call (bad date, week
or extension, a day or week still to come — as `snapshot` refuses a future day). A published bulletin is written from its frozen files, never recomputed.
"""
import datetime as dt
from pathlib import Path

from django.utils import timezone

from npl.core.cli import Exit, NplCommand, parse_day

FORMATS = (".docx", ".xlsx", ".pdf")


class Command(NplCommand):
    help = "日调度与周通报：snapshot 生成每日快照（每日在银行数据导入后运行）、daily 日调度、weekly 周通报"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="snapshot|daily|weekly")
        p = sub.add_parser("snapshot", help="生成每日快照（已生成的日期不再改写）")
        p.add_argument("--date", help="快照日期（默认昨天）")
        p.add_argument("--from", dest="start", help="补算起始日（与 --to 同用）")
        p.add_argument("--to", dest="end", help="补算截止日（默认昨天）")
        p = sub.add_parser("daily", help="日调度")
        p.add_argument("--date", required=True, help="日期，如 2026-04-08")
        p.add_argument("--out", required=True, help="输出文件（.docx、.xlsx 或 .pdf）")
        p.add_argument("--campaign", help="清收行动名称或编号（默认最新的进行中行动）")
        p = sub.add_parser("weekly", help="周通报")
        p.add_argument("--week", required=True, help="ISO周次，如 2026-W15（周一至周日）")
        p.add_argument("--out", required=True, help="输出文件（.docx、.xlsx 或 .pdf）")
        p.add_argument("--campaign", help="清收行动名称或编号（默认最新的进行中行动）")

    def handle(self, *args, **opts):
        if opts["what"] == "snapshot":
            return self._snapshot(opts)
        return self._bulletin(opts)

    def _snapshot(self, opts):
        from npl.reports.services import backfill, take_snapshot

        yesterday = timezone.localdate() - dt.timedelta(days=1)
        if opts["start"]:
            start, end = parse_day(opts["start"], "--from"), parse_day(opts["end"], "--to") or yesterday
            if end < start:
                raise Exit("--to 不能早于 --from")
            n = backfill(start, end, out=self.stdout.write)
            self.stdout.write(f"已补算{start}至{end}的每日快照：新增{n}行（已有的日期未改写）")
            return
        day = parse_day(opts["date"], "--date") or yesterday
        try:
            n = take_snapshot(day)
        except ValueError as exc:
            raise Exit(str(exc)) from exc
        self.stdout.write(f"{day}的每日快照：新增{n}行" if n else f"{day}的每日快照已存在或无进行中的清收行动：未改写")

    def _bulletin(self, opts):
        from npl.documents.fonts import CjkFontMissing
        from npl.reports.bulletins import (
            BulletinUnavailable,
            build,
            default_campaign,
            find_campaign,
            period,
            published,
            render_files,
            render_pdf,
        )
        from npl.reports.models import Bulletin
        from npl.reports.rules import PeriodError, parse_week
        from npl.reports.services import take_snapshot

        out = Path(opts["out"])
        if out.suffix.lower() not in FORMATS:
            raise Exit(f"输出文件“{out}”的扩展名须为 .docx（Word）、.xlsx（Excel）或 .pdf")
        if opts["what"] == "weekly":
            try:
                day, _ = parse_week(opts["week"])
            except PeriodError as exc:
                raise Exit(str(exc)) from exc
        else:
            day = parse_day(opts["date"], "--date")
        today = timezone.localdate()
        if day > today:  # nothing has happened yet: no snapshot can be taken, so no bulletin can be drawn
            what = f"--week {opts['week']} 尚未开始" if opts["what"] == "weekly" else f"--date {day} 是未来日期"
            raise Exit(f"{what}（今天是{today}）：无法生成尚未发生的通报")
        kind = Bulletin.Kind.DAILY if opts["what"] == "daily" else Bulletin.Kind.WEEKLY
        if opts.get("campaign"):
            campaign = find_campaign(opts["campaign"])
            if campaign is None:
                raise Exit(f"未找到清收行动“{opts['campaign']}”", code=1)
        else:
            campaign = default_campaign(day)
            if campaign is None:
                raise Exit("尚未设立清收行动：无可生成的通报", code=1)
        frozen = published(kind, campaign, day)
        suffix = out.suffix.lower()
        if frozen is not None:
            # The PDF is drawn from the frozen content: the same figures and words as the frozen Word file.
            data = self._pdf(render_pdf, frozen.content, CjkFontMissing) if suffix == ".pdf" else bytes(
                frozen.docx if suffix == ".docx" else frozen.xlsx)
            label = f"{frozen.label}（已发布，内容已冻结）"
        else:
            start, end, _ = period(kind, day)
            today, d = timezone.localdate(), start
            while d <= min(end, today - dt.timedelta(days=1)):  # past days only: today is not over yet
                if d >= campaign.baseline:
                    take_snapshot(d, campaign)
                d += dt.timedelta(days=1)
            try:
                content = build(kind, campaign, day)
            except BulletinUnavailable as exc:
                raise Exit(str(exc), code=1) from exc
            if suffix == ".pdf":
                data = self._pdf(render_pdf, content, CjkFontMissing)
            else:
                docx, xlsx = render_files(content)
                data = docx if suffix == ".docx" else xlsx
            label = f"{content['label']}（草稿）"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(f"已生成{campaign.name}{Bulletin.Kind(kind).label}{label}：{out}")

    @staticmethod
    def _pdf(render_pdf, content: dict, missing) -> bytes:
        try:
            return render_pdf(content)
        except missing as exc:
            raise Exit(str(exc), code=1) from exc
