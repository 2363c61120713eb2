"""The top menu per role: which sections a person is offered (scope still decides what they see)."""
from dataclasses import dataclass

from django.urls import reverse

from npl.accounts.choices import Role

R = Role
WITH_ROLE = frozenset(Role)
# Sections owned by other apps are addressed by path: their URL names are theirs to choose.
SECTIONS = (
    ("首页", "home", WITH_ROLE | {""}),
    ("贷款台账", "loans:list", WITH_ROLE),
    ("特殊类别", "/categories/", WITH_ROLE),
    ("清收行动", "/campaigns/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN, R.COLLECTOR, R.BRANCH_STAFF}),
    ("今日建议", "/advice/today/", {R.COLLECTOR}),
    ("分配责任人", "/advice/assign/", {R.TOWNSHIP_ADMIN}),
    ("建议规则", "/advice/rules/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN, R.COLLECTOR}),
    ("时效预警", "/collection/clocks/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN, R.COLLECTOR, R.BRANCH_STAFF, R.COURT_LIAISON}),
    ("通报", "/reports/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN}),
    ("诉讼执行", "/litigation/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.COURT_LIAISON}),
    ("借新还旧", "/refinance/", {R.DISTRICT_ADMIN, R.DISTRICT_LEADER, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF}),
    ("待确认还款", "/collection/repayments/pending/", {R.BRANCH_STAFF}),
    ("待审批计划", "/collection/plans/pending/", {R.TOWNSHIP_ADMIN}),
    ("类别调整", "/categories/manual/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN}),
    ("参数", "/categories/threshold/", {R.DISTRICT_ADMIN}),
    ("接口令牌", "/api/tokens/", {R.DISTRICT_ADMIN}),
    ("减免政策", "/waivers/", WITH_ROLE),
    ("文书打印", "/documents/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN}),
    ("数据导入", "/imports/", {R.DISTRICT_ADMIN, R.TOWNSHIP_ADMIN, R.BRANCH_STAFF, R.COURT_LIAISON}),
)


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    active: bool


def _url(target: str) -> str:
    return target if target.startswith("/") else reverse(target)


def menu_for(user, path: str = "") -> list[MenuItem]:
    """Menu entries for `user`; superusers see every section plus 管理 (the Django admin)."""
    if user is None or not user.is_authenticated:
        return []
    items = []
    for label, target, roles in SECTIONS:
        if user.is_superuser or user.role in roles:
            items.append((label, _url(target)))
    if user.is_superuser:
        items.append(("管理", reverse("admin:index")))
    out = []
    for label, url in items:
        active = path == url if url == "/" else path.startswith(url)
        out.append(MenuItem(label, url, active))
    return out
