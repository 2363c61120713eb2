from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "npl.waivers"
    label = "waivers"
    verbose_name = "减免政策（一把尺子）"

    def ready(self):
        from npl.core import daily, tenancy
        from npl.waivers.daily import JOB
        from npl.waivers.models import POLICY
        from npl.waivers.services import clear_policy, copy_policy

        # The payoff is computed on request, never stored: no derived source.
        tenancy.register(tenancy.Kind(POLICY, "减免政策", None, copy_policy, clear_policy))
        daily.register(JOB)  # its part of `npl collection sweep`
