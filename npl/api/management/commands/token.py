"""`npl token create NAME --role ROLE [--township 乡镇] [--branch 网点] --by USER`, `npl token revoke ID --by USER`, `npl token list`."""
from django.core.exceptions import PermissionDenied, ValidationError

from npl.accounts.models import User
from npl.api.models import ApiToken
from npl.api.services import TOKEN_ROLES, create_token, revoke_token
from npl.core.cli import Exit, NplCommand
from npl.org.models import Branch, Township


def _row(t: ApiToken) -> dict:
    return {
        "id": t.pk, "name": t.name, "prefix": t.prefix, "role": t.role, "unit": t.unit_label,
        "created_at": t.created_at.isoformat(), "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


class Command(NplCommand):
    help = "接口令牌：create 创建（令牌只显示一次）、revoke 撤销、list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="create|revoke|list")
        p = sub.add_parser("create", help="创建令牌")
        p.add_argument("name", help="名称，如：农合行核心系统")
        # No argparse `choices`: its refusal is English; the service refuses an unknown role in Chinese.
        p.add_argument("--role", required=True, help="角色：" + "、".join(f"{r.value}（{r.label}）" for r in TOKEN_ROLES))
        p.add_argument("--township", help="所属乡镇（乡镇管理员角色）")
        p.add_argument("--branch", help="所属网点（网点角色）")
        p.add_argument("--by", required=True, help="区金融办用户名（记为创建人）")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("revoke", help="撤销令牌")
        p.add_argument("id", type=int)
        p.add_argument("--by", required=True, help="区金融办用户名（记为撤销人）")
        p = sub.add_parser("list", help="列出令牌")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if o["what"] == "list":
            rows = [_row(t) for t in ApiToken.objects.select_related("township", "branch")]
            if o["json"]:
                self.emit_json({"tokens": rows})
            else:
                for r in rows:
                    state = f"已撤销 {r['revoked_at']}" if r["revoked_at"] else "有效"
                    self.stdout.write(f"#{r['id']} {r['name']} {r['prefix']}… {r['role']} {r['unit']} 最近使用 {r['last_used_at'] or '从未'} {state}")
            return
        admin = User.objects.filter(username=o["by"]).first()
        if admin is None:
            raise Exit(f"用户“{o['by']}”不存在")
        try:
            if o["what"] == "revoke":
                token = ApiToken.objects.filter(pk=o["id"]).first()
                if token is None:
                    raise Exit(f"令牌 #{o['id']} 不存在")
                revoke_token(admin, token)
                self.stdout.write(f"已撤销令牌 #{token.pk} {token.name}")
                return
            town = _unit(Township, o.get("township"), "乡镇")
            branch = _unit(Branch, o.get("branch"), "网点")
            token, key = create_token(admin, name=o["name"], role=o["role"], township=town, branch=branch)
        except (ValidationError, PermissionDenied) as exc:
            raise Exit("；".join(getattr(exc, "messages", None) or [str(exc)])) from exc
        if o["json"]:
            self.emit_json({**_row(token), "key": key})
        else:
            self.stdout.write(f"已创建令牌 #{token.pk} {token.name}。令牌只显示这一次，请妥善保存：\n{key}")


def _unit(model, name, label):
    if not name:
        return None
    found = model.objects.filter(name=name).first()
    if found is None:
        raise Exit(f"{label}“{name}”不存在")
    return found
