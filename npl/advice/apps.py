from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "npl.advice"
    label = "advice"
    verbose_name = "清收建议"
