"""The demo cast: one login per role (and per township where the role is bound to one), fixed passwords."""
from dataclasses import dataclass

from npl.accounts.choices import Role
from npl.demo.names import TOWNSHIPS

PASSWORD = "Npl-demo-2026"
ROOT_PASSWORD = "Npl-root-2026"


@dataclass(frozen=True)
class DemoUser:
    """A demo login: role, the unit it is bound to (by township name), and its fixed password."""

    username: str
    role: str
    display_name: str
    township: str | None = None  # township admin, collector: that township; branch staff: its lead branch
    superuser: bool = False
    password: str = PASSWORD


_TOWN_ADMINS = ["陈立新", "刘海波", "张红梅", "王志刚", "杨晓燕", "赵卫东"]
_COLLECTORS = ["李建平", "孙丽娟", "周永强", "吴晓东", "郑雪梅", "冯天明"]
_BRANCH_STAFF = ["马俊", "胡玉兰", "郭宏伟", "何亚楠", "高少华", "罗静"]


def demo_users(prefix: str = "") -> list[DemoUser]:
    """Every demo login in the order the logins table prints them. `prefix`: another district of a multi-district
    demo (`npl demo --districts N`): its own cast, each username prefixed, without the superuser and the region offices."""
    if prefix:
        return [DemoUser(prefix + u.username, u.role, u.display_name, u.township, password=u.password)
                for u in demo_users() if not u.superuser and u.role not in (Role.CITY_FINANCE, Role.PROVINCE_FINANCE)]
    cast = [
        DemoUser("root", Role.DISTRICT_ADMIN, "系统管理员", superuser=True, password=ROOT_PASSWORD),
        DemoUser("quadmin", Role.DISTRICT_ADMIN, "韩明"),
        DemoUser("qulingdao", Role.DISTRICT_LEADER, "曹振华"),
    ]
    for i, (town, slug, _weight) in enumerate(TOWNSHIPS):
        cast.append(DemoUser(f"xiang_{slug}", Role.TOWNSHIP_ADMIN, _TOWN_ADMINS[i], town))
    for i, (town, _slug, _weight) in enumerate(TOWNSHIPS):
        cast.append(DemoUser(f"qingshou{i + 1}", Role.COLLECTOR, _COLLECTORS[i], town))
    for i, (town, _slug, _weight) in enumerate(TOWNSHIPS):
        cast.append(DemoUser(f"wangdian{i + 1}", Role.BRANCH_STAFF, _BRANCH_STAFF[i], town))
    cast += [
        DemoUser("fayuan", Role.COURT_LIAISON, "彭立"),
        DemoUser("gongan", Role.POLICE_LIAISON, "钟伟"),
        DemoUser("jiwei", Role.DISCIPLINE_LIAISON, "谭敏"),
        # Above the district (issue 18): read-only, the demo district's city and province.
        DemoUser("shijinrongban", Role.CITY_FINANCE, "龚建国"),
        DemoUser("shengjinrongban", Role.PROVINCE_FINANCE, "廖雅琴"),
    ]
    return cast


def collector_name(township: str) -> str:
    """The display name of a township's demo collector (the 催收人 of their ledger rows)."""
    return next(u.display_name for u in demo_users() if u.role == Role.COLLECTOR and u.township == township)


def town_stem(township: str) -> str:
    """柳溪镇 → 柳溪, 东岭街道 → 东岭: branch names are built on it."""
    for suffix in ("街道", "镇", "乡"):
        if township.endswith(suffix):
            return township[: -len(suffix)]
    return township


def lead_branch_name(township: str) -> str:
    return f"{town_stem(township)}支行"
