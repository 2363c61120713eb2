from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "npl.intake"
    label = "intake"
    verbose_name = "导入"
