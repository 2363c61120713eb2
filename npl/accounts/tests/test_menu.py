"""The top bar: name, role and unit of the person, and a menu that fits their role."""
import pytest
from django.test import Client

from npl.accounts.menu import menu_for
from npl.testing import PASSWORD


def labels(user) -> list[str]:
    return [item.label for item in menu_for(user, "/")]


def test_district_admin_menu_has_every_section_but_admin(cast):
    assert labels(cast["district_admin"]) == [
        "首页", "贷款台账", "特殊类别", "清收行动", "建议规则", "时效预警", "通报", "诉讼执行", "借新还旧", "类别调整", "参数", "接口令牌",
        "减免政策", "文书打印", "数据导入",
    ]


def test_branch_staff_confirm_repayments_and_township_admins_approve_plans(cast):
    assert "待确认还款" in labels(cast["branch_staff"]) and "待审批计划" not in labels(cast["branch_staff"])
    assert "待审批计划" in labels(cast["township_admin"]) and "待确认还款" not in labels(cast["township_admin"])


def test_collector_menu_has_no_imports(cast):
    assert labels(cast["collector"]) == ["首页", "贷款台账", "特殊类别", "清收行动", "今日建议", "建议规则", "时效预警", "减免政策"]


@pytest.mark.parametrize("role", ["police_liaison", "discipline_liaison"])
def test_liaison_menus_are_read_only_sections(role, cast):
    assert labels(cast[role]) == ["首页", "贷款台账", "特殊类别", "减免政策"]


def test_court_liaison_watches_clocks_moves_cases_and_uploads_litigation(cast):
    assert labels(cast["court_liaison"]) == ["首页", "贷款台账", "特殊类别", "时效预警", "诉讼执行", "减免政策", "数据导入"]


def test_outsider_menu_is_home_only(cast):
    assert labels(cast["outsider"]) == ["首页"]


def test_superuser_menu_adds_admin(django_user_model, db):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    assert labels(root)[-1] == "管理"


def test_current_section_is_marked_active(cast):
    active = [item.label for item in menu_for(cast["collector"], "/loans/LA001/") if item.active]
    assert active == ["贷款台账"]


def test_top_bar_shows_name_role_and_unit(cast):
    client = Client()
    client.force_login(cast["branch_staff"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/").content.decode()
    top = page[page.index('class="topbar"') : page.index("</header>")]
    assert "liuxi_branch" in top and "农合行网点" in top and "柳溪支行" in top
    assert "退出" in top
