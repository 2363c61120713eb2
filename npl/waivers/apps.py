from django.apps import AppConfig


class WaiversConfig(AppConfig):
    name = "npl.waivers"
    label = "waivers"
    verbose_name = "减免政策（一把尺子）"
