"""`npl import KIND [SUBKIND] FILE …` — the stable intake command line of INTAKE.md."""
import sys

from npl.accounts.models import User
from npl.categories.choices import LOAN_LIST_KINDS, ROSTER_KINDS
from npl.core.cli import Exit, NplCommand, parse_day
from npl.intake import mappings
from npl.intake.services import UnusableFile, run_import
from npl.org.models import District, Township, district_names

KIND_HELP = {
    "loans": "银行不良贷款清单",
    "roster": "政府名单（KIND：" + " ".join(ROSTER_KINDS) + "）",
    "loan-list": "贷款清单（KIND：" + " ".join(LOAN_LIST_KINDS) + "）",
    "litigation": "涉诉案件",
    "repayments": "还款流水",
    "actions": "催收台账",
}


class Command(NplCommand):
    help = "导入数据文件（.xlsx / .xls / .csv），报告每一行的结果"
    # The system checks import every URL configuration (matplotlib among them): a second and ~70 MiB per run
    # of a command that touches none of it. `npl check` and the server still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for kind, label in KIND_HELP.items():
            p = sub.add_parser(kind, help=label)
            if kind == "roster":
                p.add_argument("sub_kind", choices=list(ROSTER_KINDS), metavar="KIND")
            elif kind == "loan-list":
                p.add_argument("sub_kind", choices=list(LOAN_LIST_KINDS), metavar="KIND")
            p.add_argument("file")
            if kind != "repayments" and kind != "actions":
                p.add_argument("--as-of", dest="as_of", help="数据日期（默认：表头统计日期或今天）")
            if kind == "loans":
                p.add_argument("--create-units", action="store_true", help="新建不存在的乡镇和网点")
            if kind in ("roster", "loan-list"):
                p.add_argument("--township", help="名单范围：只适用于该乡镇的贷款（默认全区）")
            if kind in ("loans", "roster", "loan-list"):
                p.add_argument("--district", help="所属区（本系统有多个区时必填：乡镇、网点只在该区内匹配）")
            p.add_argument("--skip-invalid", action="store_true", help="跳过错误行，导入其余行")
            p.add_argument("--dry-run", action="store_true", help="只检查不写入")
            p.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
            p.add_argument("--sheet", help="工作表名称（默认第一个）")
            p.add_argument("--user", help="记为该用户的导入")
            p.add_argument("--map", action="append", dest="map", metavar="字段=列名",
                           help="指定某字段读取哪一列（可重复），如 --map 贷款余额=本金余额")
            p.add_argument("--mapping", metavar="NAME", help="使用已保存的列映射（在上传页面保存）")

    def handle(self, *args, **o):
        kind = o["kind"]
        user = None
        if o.get("user"):
            user = User.objects.filter(username=o["user"]).first()
            if user is None:
                raise Exit(f"用户“{o['user']}”不存在")
        district = None
        if o.get("district"):
            district = District.objects.filter(name=o["district"].strip()).first()
            if district is None:
                raise Exit(f"区“{o['district']}”不存在（本系统的区：{district_names() or '无'}）")
        township = None
        if o.get("township"):
            towns = Township.objects.filter(name=o["township"]).select_related("district")
            if district is not None:
                towns = towns.filter(district=district)
            found = list(towns[:2])
            if not found:
                raise Exit(f"乡镇“{o['township']}”不存在" + (f"于{district.name}" if district else ""))
            if len(found) > 1:
                raise Exit(f"乡镇“{o['township']}”在多个区都有（{'、'.join(t.district.name for t in towns)}）：请用 --district 指定区")
            township = found[0]
        try:
            columns = _columns(kind, o)
            report = run_import(
                kind,
                o["file"],
                sub_kind=o.get("sub_kind"),
                as_of=parse_day(o.get("as_of")),
                user=user,
                township=township,
                district=district,
                create_units=o.get("create_units", False),
                skip_invalid=o["skip_invalid"],
                dry_run=o["dry_run"],
                sheet=o.get("sheet"),
                columns=columns,
            )
        except UnusableFile as exc:
            raise Exit(str(exc)) from exc
        if o["json"]:
            self.emit_json(report)
        else:
            self.stdout.write(human(report))
        if report["refused"] and not o["skip_invalid"]:
            sys.exit(1)


def _columns(kind: str, o: dict) -> dict | None:
    """--mapping NAME and --map 字段=列名 as one column mapping (the pairs over the saved one)."""
    if not o.get("map") and not o.get("mapping"):
        return None
    return mappings.combined(kind, name=o.get("mapping"), pairs=mappings.parse_map_options(o.get("map")))


def human(r: dict) -> str:
    state = "已写入" if r["written"] else ("试导入，未写入" if r.get("dry_run") else "有错误行，未写入（可加 --skip-invalid 跳过错误行）")
    lines = [
        f"{r['file']}（{r['kind']}{' ' + r['sub_kind'] if r.get('sub_kind') else ''}，数据日期 {r['as_of']}）：{state}",
        f"读取 {r['rows_read']} 行：新增 {r['created']}，更新 {r['updated']}，未变 {r['unchanged']}，"
        f"重复 {len(r['duplicates'])}，拒绝 {len(r['refused'])}",
    ]
    for x in r["refused"]:
        lines.append(f"  第{x['row']}行 {x['key'] or ''} [{x['reason']}] {x['message']}")
    for x in r["warnings"]:
        lines.append(f"  提示：第{x['row']}行 {x['key'] or ''} {x['message']}")
    if r.get("hidden_rows", {}).get("count"):
        lines.append(f"  隐藏的行（已导入）：{r['hidden_rows']['count']} 行，第" + "、".join(map(str, r["hidden_rows"]["rows"][:50])) + "行")
    if r.get("unknown_columns"):
        lines.append("  未识别的列（已忽略）：" + "、".join(r["unknown_columns"]))
    return "\n".join(lines)
