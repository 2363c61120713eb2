from django.apps import AppConfig


class LikelihoodConfig(AppConfig):
    name = "npl.likelihood"
    label = "likelihood"
    verbose_name = "回收可能性"
