from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "npl.advice"
    label = "advice"
    verbose_name = "清收建议"

    def ready(self):
        from npl.advice.panels import LOAN_PANELS
        from npl.advice.stored import SuggestionsDeriver
        from npl.core import derived, panels

        derived.register(SuggestionsDeriver())  # each loan's open suggestions as stored rows (issue 16)
        panels.register(*LOAN_PANELS)  # its part of the loan page
