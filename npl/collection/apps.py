from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "npl.collection"
    label = "collection"
    verbose_name = "清收"

    def ready(self):
        from npl.collection.clocks.store import ClockDeriver
        from npl.collection.daily import JOB
        from npl.collection.panels import LOAN_PANELS
        from npl.core import daily, derived, panels

        derived.register(ClockDeriver())
        panels.register(*LOAN_PANELS)  # its part of the loan page
        daily.register(JOB)  # its part of `npl collection sweep`
