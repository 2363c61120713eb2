def role_context(request):
    """Expose the user's role to every template (menus differ per role)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role": user.role, "is_district_wide": user.is_district_wide}
