"""Who may upload which kind of file, in which scope (issue 3, point 7): one place for views and tests."""
from npl.accounts.choices import Role
from npl.intake.importers import IMPORTERS

ALL_KINDS = tuple(IMPORTERS)  # loans, roster, loan-list, litigation, repayments, actions

# The roles that own each kind of data; the district admin (and superusers) may upload everything.
UPLOADS = {
    Role.BRANCH_STAFF: ("loans", "repayments"),
    Role.TOWNSHIP_ADMIN: ("roster", "actions"),
    Role.COURT_LIAISON: ("litigation",),
    Role.DISTRICT_ADMIN: ALL_KINDS,
}

# Kinds whose facts hold from an as-of day (INTAKE.md: repayments and the ledger carry their own dates).
TAKES_AS_OF = {"loans", "roster", "loan-list", "litigation"}
# Kinds whose scope is district-wide or one township (INTAKE.md `--township`).
SCOPED_KINDS = {"roster", "loan-list"}


def _is_district_admin(user) -> bool:
    return bool(user.is_superuser or user.role == Role.DISTRICT_ADMIN)


def upload_kinds(user) -> list[str]:
    """The kinds `user` may upload, in the order of INTAKE.md."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if _is_district_admin(user):
        return list(ALL_KINDS)
    # A unit-bound role without its unit would import without a scope: refuse rather than widen it.
    if user.role == Role.TOWNSHIP_ADMIN and not user.township_id:
        return []
    if user.role == Role.BRANCH_STAFF and not user.branch_id:
        return []
    return list(UPLOADS.get(user.role, ()))


def may_upload(user, kind: str) -> bool:
    """True when `user` may upload files of `kind` (the rule every upload page checks)."""
    return kind in upload_kinds(user)


def may_choose_township(user) -> bool:
    """Only the district admin picks a roster's scope (district-wide or one township)."""
    return _is_district_admin(user)


def may_create_units(user) -> bool:
    """Creating townships and branches from a bank file is the district admin's call."""
    return _is_district_admin(user)


def scope_township(user, chosen=None):
    """The township a roster or loan list applies to: a township admin's own, always; else the choice."""
    if user.role == Role.TOWNSHIP_ADMIN and not user.is_superuser:
        return user.township
    return chosen if may_choose_township(user) else None


def may_download_file(user, batch) -> bool:
    """The stored file holds full ID numbers: its uploader, or a district-wide role that may unmask."""
    if user is None or not user.is_authenticated:
        return False
    if batch.user_id is not None and batch.user_id == user.pk:
        return True
    return bool(user.is_district_wide and user.may_unmask)
