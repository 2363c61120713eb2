"""The top menu per role, grouped by task: at most 7 top entries (a link, or a group that opens), the same on
a phone and a desk. Which sections a person is offered; scope still decides what they see."""
from dataclasses import dataclass, field

from django.urls import reverse

from npl.accounts.choices import REGION_ROLES, Role

R = Role
WITH_ROLE = frozenset(Role)
DISTRICT = {R.DISTRICT_ADMIN, R.DISTRICT_LEADER}
# (group, [(label, target, roles)]): a group offered one section only shows as that link. Sections owned by
# other apps are addressed by path: their URL names are theirs to choose.
GROUPS = (
    ("", [("首页", "home", WITH_ROLE | {""})]),
    ("", [("贷款台账", "loans:list", WITH_ROLE)]),
    ("日常清收", [
        ("今日建议", "/advice/today/", {R.COLLECTOR}),
        ("分配责任人", "/advice/assign/", {R.TOWNSHIP_ADMIN}),
        ("待审批计划", "/collection/plans/pending/", {R.TOWNSHIP_ADMIN}),
        ("待确认还款", "/collection/repayments/pending/", {R.BRANCH_STAFF}),
        ("时效预警", "/collection/clocks/", DISTRICT | {R.TOWNSHIP_ADMIN, R.COLLECTOR, R.BRANCH_STAFF, R.COURT_LIAISON}),
        ("建议规则", "/advice/rules/", DISTRICT | {R.TOWNSHIP_ADMIN, R.COLLECTOR}),
    ]),
    ("进度通报", [
        ("通报", "/reports/", DISTRICT | {R.TOWNSHIP_ADMIN}),
        ("清收行动", "/campaigns/", DISTRICT | {R.TOWNSHIP_ADMIN, R.COLLECTOR, R.BRANCH_STAFF}),
        # 市/省金融办: its districts side by side (reports.rollups)
        ("各区九类汇总", "/reports/region/categories/", REGION_ROLES),
        ("各区时效汇总", "/reports/region/clocks/", REGION_ROLES),
        ("各区清收汇总", "/reports/region/campaigns/", REGION_ROLES),
    ]),
    ("专项处置", [
        ("特殊类别", "/categories/", WITH_ROLE),
        ("类别调整", "/categories/manual/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN}),
        ("诉讼执行", "/litigation/", DISTRICT | {R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.COURT_LIAISON}),
        ("借新还旧", "/refinance/", DISTRICT | {R.TOWNSHIP_ADMIN, R.BRANCH_STAFF}),
    ]),
    ("政策文书", [
        ("减免政策", "/waivers/", WITH_ROLE),
        ("文书打印", "/documents/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN}),
    ]),
    ("数据设置", [
        ("数据导入", "/imports/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.COURT_LIAISON}),
        ("参数", "/categories/threshold/", {R.DISTRICT_ADMIN, R.PROVINCE_FINANCE}),
        ("节假日安排", "/collection/calendar/", {R.DISTRICT_ADMIN, R.PROVINCE_FINANCE}),
        ("接口令牌", "/api/tokens/", {R.DISTRICT_ADMIN}),
    ]),
)
MAX_TOP = 7
# Every section in menu order, flat (tests and the browser walk them).
SECTIONS = tuple(section for _, sections in GROUPS for section in sections)


@dataclass(frozen=True)
class MenuItem:
    """A link; `items` makes it a group that opens (a <details> element: no script needed, CSP-clean)."""

    label: str
    url: str = ""
    active: bool = False
    items: tuple = field(default_factory=tuple)


def _url(target: str) -> str:
    return target if target.startswith("/") else reverse(target)


def _is_active(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def menu_for(user, path: str = "") -> list[MenuItem]:
    """Top entries for `user` (at most MAX_TOP): links, and groups of the sections of one task; superusers see
    every section plus 管理 (the Django admin) under 数据设置."""
    if user is None or not user.is_authenticated:
        return []
    out = []
    for group, sections in GROUPS:
        links = [(label, _url(target)) for label, target, roles in sections if user.is_superuser or user.role in roles]
        if group == "数据设置" and user.is_superuser:
            links.append(("管理", reverse("admin:index")))
        items = tuple(MenuItem(label, url, _is_active(url, path)) for label, url in links)
        if len(items) == 1 or (items and not group):
            out.extend(items)
        elif items:
            out.append(MenuItem(group, "", any(i.active for i in items), items))
    return out


def links_for(user) -> list[MenuItem]:
    """Every section `user` is offered, flat, in menu order."""
    return [leaf for item in menu_for(user) for leaf in (item.items or (item,))]
