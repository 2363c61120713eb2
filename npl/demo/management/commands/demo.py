"""`npl demo`: load the demo district through the importers (idempotent) and print its logins."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from npl.demo.generate import SEED, write_demo_files


class Command(BaseCommand):
    help = "载入演示区县数据（经由正式导入流程，可重复执行），并打印演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="库中已有贷款时什么也不做")
        parser.add_argument("--print-logins", action="store_true", help="打印演示账号表（单独使用时只打印，不载入）")
        parser.add_argument("--loans", type=int, default=3000, help="贷款笔数（默认3000）")
        parser.add_argument("--seed", type=int, default=SEED, help="随机种子（相同种子得到相同数据）")
        parser.add_argument("--districts", type=int, default=1,
                            help="区的个数（默认1；多于1时各区同一城市下、每区 --loans 笔，账号表只列第一个区和市/省金融办）")
        parser.add_argument("--host", default="127.0.0.1:8000", help="登录地址的主机与端口（打印账号表时用，默认127.0.0.1:8000）")
        parser.add_argument("--write-files", metavar="DIR", help="只把演示文件（.xlsx）写到DIR，不导入")
        parser.add_argument("--only", action="append", metavar="KIND",
                            choices=["loans", "roster", "loan-list", "litigation", "repayments", "actions"],
                            help="与 --write-files 同用：只写这一类文件（可重复）")

    def handle(self, *args, **opts):
        if opts["loans"] < 1:
            raise CommandError("--loans 至少为 1")
        if opts["districts"] < 1:
            raise CommandError("--districts 至少为 1")
        if opts["write_files"]:
            from django.conf import settings

            d = write_demo_files(Path(opts["write_files"]), loans=opts["loans"], seed=opts["seed"],
                                 district_name=settings.NPL_DISTRICT_NAME, kinds=opts["only"])
            for f in d.files:
                self.stdout.write(f"{f.path}\t{f.kind} {f.sub_kind or ''}\t{f.rows}行")
            return
        if opts["print_logins"] and not opts["if_empty"]:
            self.print_logins(opts["host"])
            return
        from npl.loans.models import Loan

        loaded = False
        if opts["if_empty"] and Loan.objects.exists():
            self.stdout.write("库中已有贷款数据：不载入演示数据。")
        else:
            from npl.demo.services import load_demo, load_districts

            n = opts["districts"]
            each = f"{n}个区，每区" if n > 1 else ""
            self.stdout.write(f"载入演示数据（{each}{opts['loans']}笔贷款，种子 {opts['seed']}；约需数分钟，每一步完成时显示）：")
            if n > 1:
                load_districts(n, loans=opts["loans"], seed=opts["seed"], out=self.stdout.write)
            else:
                load_demo(loans=opts["loans"], seed=opts["seed"], out=self.stdout.write)
            self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
            loaded = True
        # `make run` asks for `--if-empty --print-logins`: load when empty, print the table once either way.
        if loaded or opts["print_logins"]:
            self.print_logins(opts["host"])

    def print_logins(self, host: str):
        from npl.accounts.models import User
        from npl.demo.services import logins_table

        table = logins_table()
        rows = [("用户名", "角色", "所属单位", "密码"), *table]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        self.stdout.write(f"\n演示账号（登录 http://{host}/ ）：")
        for row in rows:
            line = "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths))
            self.stdout.write(("  " + line).rstrip())
        if not User.objects.filter(username__in=[r[0] for r in table]).exists():
            self.stdout.write("  （这些账号尚未创建：运行 npl demo 载入演示数据）")


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
