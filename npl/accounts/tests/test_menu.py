"""The top bar: name, role and unit of the person, and a menu that fits their role."""
import pytest
from django.test import Client

from npl.accounts.menu import MAX_TOP, links_for, menu_for
from npl.testing import PASSWORD


def labels(user) -> list[str]:
    """Top entries, a group as 'name[its sections]'."""
    return [item.label + (f"[{'、'.join(i.label for i in item.items)}]" if item.items else "") for item in menu_for(user, "/")]


def sections(user) -> list[str]:
    return [item.label for item in links_for(user)]


def test_district_admin_menu_groups_every_section_but_admin_by_task(cast):
    assert labels(cast["district_admin"]) == [
        "首页", "贷款台账", "日常清收[时效预警、建议规则]", "进度通报[通报、清收行动]",
        "专项处置[特殊类别、类别调整、诉讼执行、借新还旧]", "政策文书[减免政策、文书打印]", "数据设置[数据导入、参数、节假日安排、接口令牌]",
    ]


@pytest.mark.parametrize("role", ["district_admin", "district_leader", "township_admin", "collector", "branch_staff",
                                  "court_liaison", "police_liaison", "discipline_liaison"])
def test_no_role_has_more_than_seven_top_entries(role, cast):
    assert len(menu_for(cast[role], "/")) <= MAX_TOP


def test_branch_staff_confirm_repayments_and_township_admins_approve_plans(cast):
    assert "待确认还款" in sections(cast["branch_staff"]) and "待审批计划" not in sections(cast["branch_staff"])
    assert "待审批计划" in sections(cast["township_admin"]) and "待确认还款" not in sections(cast["township_admin"])


def test_collector_menu_has_no_imports(cast):
    assert sections(cast["collector"]) == ["首页", "贷款台账", "今日建议", "时效预警", "建议规则", "清收行动", "特殊类别", "减免政策"]


@pytest.mark.parametrize("role", ["police_liaison", "discipline_liaison"])
def test_liaison_menus_are_read_only_sections_shown_as_plain_links(role, cast):
    assert labels(cast[role]) == ["首页", "贷款台账", "特殊类别", "减免政策"]


def test_court_liaison_watches_clocks_moves_cases_and_uploads_litigation(cast):
    assert labels(cast["court_liaison"]) == ["首页", "贷款台账", "时效预警", "专项处置[特殊类别、诉讼执行]", "减免政策", "数据导入"]


def test_outsider_menu_is_home_only(cast):
    assert labels(cast["outsider"]) == ["首页"]


def test_superuser_menu_adds_admin_to_its_settings(django_user_model, db):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    assert sections(root)[-1] == "管理"
    assert len(menu_for(root, "/")) <= MAX_TOP


def test_current_section_and_its_group_are_marked_active(cast):
    active = [item.label for item in menu_for(cast["collector"], "/loans/LA001/") if item.active]
    assert active == ["贷款台账"]
    group = [item for item in menu_for(cast["district_admin"], "/litigation/") if item.active]
    assert [g.label for g in group] == ["专项处置"] and [i.label for i in group[0].items if i.active] == ["诉讼执行"]


def test_top_bar_shows_name_role_and_unit(cast):
    client = Client()
    client.force_login(cast["branch_staff"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/").content.decode()
    top = page[page.index('class="topbar"') : page.index("</header>")]
    assert "liuxi_branch" in top and "农合行网点" in top and "柳溪支行" in top
    assert "退出" in top
