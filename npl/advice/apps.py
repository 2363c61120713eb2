from django.apps import AppConfig


class AdviceConfig(AppConfig):
    name = "npl.advice"
    label = "advice"
    verbose_name = "清收建议"

    def ready(self):
        from npl.advice.models import RULES
        from npl.advice.panels import LOAN_PANELS
        from npl.advice.services import clear_rules, copy_rules
        from npl.advice.stored import SuggestionsDeriver
        from npl.core import derived, panels, tenancy

        derived.register(SuggestionsDeriver())  # each loan's open suggestions as stored rows (issue 16)
        tenancy.register(tenancy.Kind(RULES, "清收建议规则", "rules", copy_rules, clear_rules))
        panels.register(*LOAN_PANELS)  # its part of the loan page
