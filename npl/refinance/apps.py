from django.apps import AppConfig


class RefinanceConfig(AppConfig):
    name = "npl.refinance"
    label = "refinance"
    verbose_name = "借新还旧/转贷"

    def ready(self):
        from npl.core import panels
        from npl.refinance.panels import LOAN_PANELS

        panels.register(*LOAN_PANELS)  # its part of the loan page
