from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "npl.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from npl.core import (
            checks,  # noqa: F401  (registers the holiday schedule check)
            lookups,
            tenancy,
        )
        from npl.core.workdays import clear_calendar, copy_calendar

        lookups.register()  # `field__ids=[…]`: long id lists without per-value preparation

        tenancy.register(tenancy.Kind("calendar", "节假日安排", "calendar", copy_calendar, clear_calendar))
