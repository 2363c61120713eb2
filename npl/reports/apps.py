from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "npl.reports"
    label = "reports"
    verbose_name = "报表"
