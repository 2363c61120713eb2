"""Template context for every page: the person's role, unit and menu (menus differ per role)."""
from npl.accounts.menu import menu_for


def role_label(user) -> str:
    if user.role:
        return user.get_role_display()
    return "系统管理员" if user.is_superuser else "未分配角色"


def role_context(request):
    """Expose the user's role, its Chinese label and the menu to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "role": user.role,
        "role_label": role_label(user),
        "is_district_wide": user.is_district_wide,
        "menu": menu_for(user, request.path),
    }
