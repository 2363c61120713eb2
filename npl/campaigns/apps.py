from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "npl.campaigns"
    label = "campaigns"
    verbose_name = "清收行动"

    def ready(self):
        from npl.campaigns.derive import TaskLoans
        from npl.campaigns.panels import LOAN_PANELS
        from npl.core import derived, panels

        derived.register(TaskLoans())  # the task loans' baseline balances as stored rows (issue 16)
        panels.register(*LOAN_PANELS)  # its part of the loan page
