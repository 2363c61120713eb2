"""`npl doc KIND LOAN_NO --out PATH` (KIND plain-sheet|notice|agreement; Word or PDF by the extension).

Batches: `npl doc notice --township 柳溪镇 --out x.pdf`, `npl doc plain-sheet --category dibao --out x.docx`,
`npl doc public-notice [--township 柳溪镇] --out x.docx`. Exit 2 for an unusable call (kind, extension, date,
township, category), exit 1 when the documents cannot be made (unknown loan, no plan, no Chinese font).
The log records the generation with no user and the command line as its way.
"""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from npl.core.cli import Exit, NplCommand, parse_day
from npl.documents import services
from npl.documents.choices import CLI_KINDS, PER_LOAN, Format, Kind, Via
from npl.documents.fonts import CjkFontMissing


class Command(NplCommand):
    help = "生成文书：明白纸 plain-sheet、催收通知书 notice、还款协议书 agreement、公告催收名单 public-notice（.docx 或 .pdf）"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="文书类型：" + "|".join(CLI_KINDS))
        parser.add_argument("loan_no", nargs="?", help="借据号（批量时省略，改用 --township/--category）")
        parser.add_argument("--out", required=True, help="输出文件：.docx 或 .pdf")
        parser.add_argument("--as-of", dest="as_of", help="文书日期（默认今天）")
        parser.add_argument("--pay-by", dest="pay_by", help="催收通知书的限期还款日（默认文书日期后30天）")
        parser.add_argument("--township", help="批量：乡镇名称")
        parser.add_argument("--category", help="批量：特殊类别代码（如 lost_contact、dibao）")

    def handle(self, *args, **opts):
        kind = CLI_KINDS.get(opts["kind"])
        if kind is None:
            raise Exit(f"未知的文书类型“{opts['kind']}”，可选：{'、'.join(CLI_KINDS)}")
        out = Path(opts["out"])
        try:
            fmt = Format(out.suffix.lower().lstrip("."))
        except ValueError:
            raise Exit(f"输出文件“{out}”的扩展名应为 .docx 或 .pdf") from None
        as_of = parse_day(opts.get("as_of")) or timezone.localdate()
        pay_by = parse_day(opts.get("pay_by"), "--pay-by")
        town = self._township(opts.get("township"))
        category = self._category(opts.get("category"))
        if opts.get("loan_no"):
            if kind not in PER_LOAN:
                raise Exit("公告催收名单按乡镇或全区生成：请去掉借据号，可加 --township")
            loans = self._loan(opts["loan_no"])
            scope = ""
        else:
            if kind in PER_LOAN and town is None and category is None:
                raise Exit("请给出借据号，或用 --township / --category 批量生成")
            loans = list(services.batch_loans(None, kind, as_of, township=town, category=category).values_list("pk", flat=True))
            scope = services.batch_scope(kind, town, category)
            if not loans:
                raise Exit(f"{scope}在 {as_of:%Y-%m-%d} 没有可生成{Kind(kind).label}的贷款", code=1)
        try:
            made = services.generate(kind, loans, fmt, None, as_of=as_of, pay_by=pay_by, scope=scope, via=Via.CLI)
        except (ValidationError, CjkFontMissing) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise Exit("；".join(messages), code=1) from exc
        try:
            out.write_bytes(made.content)
        except OSError as exc:
            raise Exit(f"无法写入“{out}”：{exc.strerror}", code=1) from exc
        self.stdout.write(f"已生成{Kind(kind).label}（{made.record.loan_count}笔）：{out}")

    def _loan(self, loan_no: str) -> list:
        from npl.loans.models import Loan

        loan = Loan.objects.filter(loan_no=loan_no.strip()).first()
        if loan is None:
            raise Exit(f"借据号“{loan_no}”不存在", code=1)
        return [loan]

    def _township(self, name):
        from npl.org.models import District, Township

        if not name:
            return None
        town = Township.objects.filter(district=District.current(), name=name.strip()).first()
        if town is None:
            raise Exit(f"乡镇“{name}”不存在")
        return town

    def _category(self, code):
        from npl.categories.choices import NAMES

        if not code:
            return None
        if code not in NAMES:
            raise Exit(f"未知的特殊类别“{code}”，可选：{'、'.join(NAMES)}")
        return code
