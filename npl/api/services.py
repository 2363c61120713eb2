"""API tokens: create (shown once), revoke, and find the token a request presents."""
import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from npl.accounts.choices import REGION_ROLES, Role
from npl.api.models import ApiToken
from npl.core.crypto import keyed_hash
from npl.core.models import AuditLog

KEY_PREFIX = "npl_"
# last_used_at is a display aid: write it at most once a minute per token, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)
# A collector's scope is the loans assigned to them personally (accounts.scope): a system cannot stand in
# for a person there, so no token carries that role.
# A district admin hands out tokens of their own district: never of a city's or province's office.
TOKEN_ROLES = [r for r in Role if r != Role.COLLECTOR and r not in REGION_ROLES]


def may_manage_tokens(user) -> bool:
    """Only the district admin (区金融办) and superusers hand out and revoke tokens."""
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role == Role.DISTRICT_ADMIN))


def tokens_for(admin):
    """The tokens `admin` manages: those of their own district (a superuser: every one)."""
    qs = ApiToken.objects.select_related("township", "branch", "created_by", "revoked_by")
    return qs if admin.is_superuser else qs.filter(user__district_id=admin.district_id)


def _check_unit(role: str, township, branch, district=None) -> dict:
    errors = {}
    # A token is bound inside its maker's district: a unit of another district is refused like a wrong unit.
    if district is not None and township is not None and township.district_id != district.pk:
        errors["township"] = f"只能绑定本区（{district.name}）的乡镇"
    if district is not None and branch is not None and branch.district_id != district.pk:
        errors["branch"] = f"只能绑定本区（{district.name}）的网点"
    if role not in [r.value for r in TOKEN_ROLES]:
        errors["role"] = "系统令牌不能使用该角色（清收人员的范围是分配给本人的贷款，只能由本人登录使用）"
    elif role == Role.TOWNSHIP_ADMIN:
        if township is None:
            errors["township"] = "乡镇管理员角色的令牌必须指定所属乡镇"
        if branch is not None:
            errors["branch"] = "乡镇管理员角色的令牌不绑定网点"
    elif role == Role.BRANCH_STAFF:
        if branch is None:
            errors["branch"] = "网点角色的令牌必须指定所属网点"
        if township is not None:
            errors["township"] = "网点角色的令牌不绑定乡镇"
    else:
        if township is not None:
            errors["township"] = "该角色的范围是全区或其业务，不绑定乡镇"
        if branch is not None:
            errors["branch"] = "该角色的范围是全区或其业务，不绑定网点"
    return errors


def create_token(admin, *, name: str, role: str, township=None, branch=None) -> tuple[ApiToken, str]:
    """A new token and its key (returned once, never stored); its service user carries the role and unit."""
    if not may_manage_tokens(admin):
        raise PermissionDenied("只有区金融办可以创建接口令牌")
    name = (name or "").strip()
    district = None if admin.is_superuser else admin.district
    errors = _check_unit(role, township, branch, district)
    if not name:
        errors["name"] = "请填写令牌名称（如：农合行核心系统）"
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        user = get_user_model()(
            username=f"api-{secrets.token_hex(6)}",
            role=role,
            township=township,
            branch=branch,
            district=district,
            display_name=f"接口：{name}"[:50],
        )
        user.set_unusable_password()  # a service account never logs in through the login page
        user.save()
        token = ApiToken.objects.create(
            name=name[:100], prefix=key[:12], key_hash=keyed_hash(key), role=role, township=township, branch=branch,
            user=user, created_by=admin,
        )
        AuditLog.objects.create(user=admin, action="api_token_created", object_type="api_token", object_id=str(token.pk),
                                reason=f"{token.name}（{Role(role).label}）")
    return token, key


def revoke_token(admin, token: ApiToken) -> ApiToken:
    """Revoke at once: the service user is deactivated, so the key stops working on its next request."""
    if not may_manage_tokens(admin):
        raise PermissionDenied("只有区金融办可以撤销接口令牌")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ValidationError("该令牌已撤销", code="state")
        token.revoked_at, token.revoked_by = timezone.now(), admin
        token.save(update_fields=["revoked_at", "revoked_by"])
        get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
        AuditLog.objects.create(user=admin, action="api_token_revoked", object_type="api_token", object_id=str(token.pk),
                                reason=token.name)
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token whose key this is (None for unknown or revoked keys); records when it was last used."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=keyed_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
