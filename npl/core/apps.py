from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "npl.core"
    label = "core"
    verbose_name = "基础"
