"""Replaceable Word templates (versioned) and the append-only log of every document generated."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from npl.documents.choices import Format, Kind, Via


class DocumentTemplate(models.Model):
    """A Word template the district admin uploaded for one kind; the active one replaces the shipped default."""

    kind = models.CharField("文书类型", max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField("版本号")
    file = models.FileField("Word 模板", upload_to="documents/templates/%Y/")
    original_name = models.CharField("上传文件名", max_length=200, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    active = models.BooleanField("启用", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "文书模板"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="uniq_document_template_version"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(active=True), name="one_active_template_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} 第{self.version}版"


class GeneratedDocument(models.Model):
    """One generation of a document: who, what, when, for which loans; evidence, never changed or deleted."""

    kind = models.CharField("文书类型", max_length=20, choices=Kind.choices)
    fmt = models.CharField("格式", max_length=10, choices=Format.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="生成人"
    )
    via = models.CharField("途径", max_length=10, choices=Via.choices, default=Via.WEB)
    at = models.DateTimeField("生成时间", default=timezone.now, db_index=True)
    as_of = models.DateField("数据日期")
    scope = models.CharField("范围", max_length=200)
    loans = models.ManyToManyField("loans.Loan", related_name="generated_documents", verbose_name="贷款")
    loan_count = models.PositiveIntegerField("笔数")
    file_name = models.CharField("文件名", max_length=200)
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="使用模板"
    )  # null: the shipped default (or a PDF, whose layout is the platform's)
    # The documents are addressed to the borrower, so they carry the full name; ID numbers stay masked.
    full_names = models.BooleanField("含借款人完整姓名", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书生成记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.scope}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("文书生成记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("文书生成记录不可删除")
