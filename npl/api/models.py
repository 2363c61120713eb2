"""API tokens for systems (the bank's core system, other agencies): bound to one role and unit, revocable."""
from django.conf import settings
from django.db import models

from npl.accounts.choices import Role


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """接口令牌: a system's credential. It acts as its own service user (role + unit), so scope and services apply unchanged.

    The key itself is never stored: only its keyed hash (npl.core.crypto.keyed_hash) and a short prefix to recognise it.
    """

    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("令牌前缀", max_length=16, db_index=True)
    key_hash = models.CharField("令牌（哈希）", max_length=64, unique=True)
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    township = models.ForeignKey(
        "org.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所属乡镇"
    )
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所属网点")
    # The service user the token acts as: scope (Loan.objects.for_user) and services see an ordinary user.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token", verbose_name="服务账号")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="撤销人"
    )
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def unit_label(self) -> str:
        if self.township_id:
            return self.township.name
        if self.branch_id:
            return self.branch.name
        return "全区"
