from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "npl.loans"
    label = "loans"
    verbose_name = "贷款登记"

    def ready(self):
        from npl.core import derived, panels
        from npl.loans.households import Households
        from npl.loans.panels import LOAN_PANELS

        panels.register(*LOAN_PANELS)  # its part of the loan page
        derived.register(Households())  # 户数 per unit, kept by triggers: checked, refilled if they differ
