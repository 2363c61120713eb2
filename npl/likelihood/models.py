"""The rule baseline's points table (tuned by officials in the admin) and the fitted models, stored as plain numbers."""
from django.db import models


class BaselineRule(models.Model):
    """One line of the rule baseline's points table (基准规则): a condition on the loan's facts and its points."""

    code = models.CharField("规则代码", max_length=40, unique=True)
    reason = models.CharField("理由（显示给用户）", max_length=100)
    points = models.IntegerField("分值")
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "回收可能性基准规则"
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.reason}（{self.points:+d}）"


class LikelihoodModel(models.Model):
    """A logistic regression fitted on the platform's own history, kept as its numbers (no pickle)."""

    trained_at = models.DateTimeField("训练时间", auto_now_add=True)
    as_of = models.DateField("数据截至")
    cutoffs = models.JSONField("观察时点", default=list)  # ISO days
    n_samples = models.PositiveIntegerField("样本数")
    n_positive = models.PositiveIntegerField("正样本数（90天内有还本）")
    enough = models.BooleanField("样本充足（可替代规则）", default=False)
    features = models.JSONField("特征", default=list)
    coefficients = models.JSONField("系数", default=list)
    intercept = models.FloatField("截距", default=0.0)
    scaler_mean = models.JSONField("标准化均值", default=list)
    scaler_scale = models.JSONField("标准化尺度", default=list)
    metrics = models.JSONField("评估指标", default=dict, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回收可能性模型"
        ordering = ["-trained_at", "-pk"]

    def __str__(self):
        return f"模型 {self.as_of}（{self.n_samples}样本）"
