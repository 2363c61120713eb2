"""Users carry one role and the unit it is bound to (township or branch)."""
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from npl.accounts.choices import DISTRICT_WIDE, MAY_UNMASK, Role


class User(AbstractUser):
    """A person of the platform: role + unit decide what they see (see accounts.scope)."""

    role = models.CharField("角色", max_length=30, choices=Role.choices, blank=True)
    township = models.ForeignKey(
        "org.Township", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属乡镇"
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属网点"
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role in (Role.TOWNSHIP_ADMIN, Role.COLLECTOR) and not self.township_id:
            raise ValidationError({"township": "乡镇管理员和清收人员必须指定所属乡镇"})
        if self.role == Role.BRANCH_STAFF and not self.branch_id:
            raise ValidationError({"branch": "网点人员必须指定所属网点"})

    @property
    def is_district_wide(self) -> bool:
        return self.is_superuser or self.role in DISTRICT_WIDE

    @property
    def may_unmask(self) -> bool:
        return self.is_superuser or self.role in MAY_UNMASK

    @property
    def unit_label(self) -> str:
        if self.role in (Role.TOWNSHIP_ADMIN, Role.COLLECTOR) and self.township_id:
            return self.township.name
        if self.role == Role.BRANCH_STAFF and self.branch_id:
            return self.branch.name
        return "全区"
