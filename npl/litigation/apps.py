from django.apps import AppConfig


class LitigationConfig(AppConfig):
    name = "npl.litigation"
    label = "litigation"
    verbose_name = "诉讼执行"

    def ready(self):
        from npl.core import panels
        from npl.litigation.panels import LOAN_PANELS

        panels.register(*LOAN_PANELS)  # its part of the loan page
