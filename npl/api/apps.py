from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "npl.api"
    label = "api"
    verbose_name = "接口"
