"""ImportBatch: every import, kept for audit with its file, hash, who, when, counts and full report."""
from django.conf import settings
from django.db import models

from npl.intake.choices import BatchStatus, ImportKind


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user):
        """District roles see the batches of their own district's people (and, in a single-district installation,
        those run from the command line); everyone else their own."""
        if user.is_superuser:
            return self
        if user.is_district_wide and user.district_id:
            from npl.org.models import District

            ours = models.Q(user__district_id=user.district_id)
            if District.only() is not None:
                ours |= models.Q(user__isnull=True)
            return self.filter(ours)
        return self.filter(user=user)


class ImportBatch(models.Model):
    """One file taken in (or previewed): the audit record of an import."""

    kind = models.CharField("类型", max_length=20, choices=ImportKind.choices)
    sub_kind = models.CharField("子类型", max_length=40, blank=True)  # roster KIND, loan-list KIND
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    file = models.FileField("文件副本", upload_to="imports/%Y/%m/", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="导入人")
    township = models.ForeignKey("org.Township", on_delete=models.PROTECT, null=True, blank=True, verbose_name="名单范围")
    as_of = models.DateField("数据日期", null=True, blank=True)
    options = models.JSONField("选项", default=dict, blank=True)
    status = models.CharField("状态", max_length=20, choices=BatchStatus.choices, default=BatchStatus.PREVIEW)
    dry_run = models.BooleanField("试导入", default=False)
    rows_read = models.PositiveIntegerField("读取行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    refused = models.PositiveIntegerField("拒绝", default=0)
    duplicates = models.PositiveIntegerField("重复", default=0)
    progress = models.PositiveIntegerField("进度（行）", default=0)
    report = models.JSONField("导入报告", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.file_name}"

    @property
    def kind_label(self) -> str:
        return f"{self.kind} {self.sub_kind}".strip()


class ColumnMappingQuerySet(models.QuerySet):
    def for_user(self, user):
        """District-wide roles see the mappings of their district's branches and people; others those of their
        branch and their own."""
        if user.is_superuser:
            return self
        if user.is_district_wide:
            return self.filter(models.Q(created_by__district_id=user.district_id) | models.Q(branch__district_id=user.district_id))
        mine = models.Q(created_by=user)
        if user.branch_id:
            mine |= models.Q(branch_id=user.branch_id)
        return self.filter(mine)


class ColumnMapping(models.Model):
    """A named column mapping (字段 → 列名) for one import kind: chosen on an upload preview, offered next time."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=ImportKind.choices)
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, null=True, blank=True, verbose_name="网点")
    source = models.CharField("来源", max_length=100, blank=True, help_text="文件从哪里来，如某网点信贷系统的导出")
    columns = models.JSONField("列映射", default=dict, help_text="字段代码 → 文件中的列名")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name="创建人", related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ColumnMappingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "列映射"
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="intake_columnmapping_kind_name")]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class RowDigest(models.Model):
    """What the last import wrote for one key: the row as read, and the object's state right after.

    A re-import recognises an unchanged row before any per-row work: the same cells under the same header,
    units and as-of day (`digest`), and the object still as that import left it (`state`), can only end as
    `unchanged`. Rows that drew a warning get none (they are read in full, so the warning is said again).
    """

    kind = models.CharField("类型", max_length=60)  # kind, or kind:sub_kind
    key = models.CharField("键", max_length=255)
    digest = models.CharField("行摘要", max_length=32, db_index=True)
    fingerprint = models.CharField("值摘要", max_length=32)  # the parsed values, for duplicate detection
    state = models.CharField("写入后状态", max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "导入行摘要"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="intake_rowdigest_kind_key")]

    def __str__(self):
        return f"{self.kind} {self.key}"
