from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district (no models): its `npl demo` command, above every app it loads data through."""

    name = "npl.demo"
    label = "demo"
    verbose_name = "演示数据"
