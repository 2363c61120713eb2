from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "npl.waivers"
    label = "waivers"
    verbose_name = "减免政策（一把尺子）"

    def ready(self):
        from npl.core import daily
        from npl.waivers.daily import JOB

        daily.register(JOB)  # its part of `npl collection sweep`
