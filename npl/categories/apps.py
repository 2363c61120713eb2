from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "npl.categories"
    label = "categories"
    verbose_name = "特殊类别"

    def ready(self):
        from npl.categories.derive import Memberships
        from npl.categories.panels import LOAN_PANELS
        from npl.categories.services import THRESHOLD, clear_threshold, copy_threshold
        from npl.categories.totals import CategoryTotals
        from npl.core import derived, panels, tenancy

        derived.register(Memberships())
        derived.register(CategoryTotals())  # figures per code and unit, kept by triggers: checked, refilled if off
        tenancy.register(tenancy.Kind(THRESHOLD, "大额抵押门槛", "threshold", copy_threshold, clear_threshold))
        panels.register(*LOAN_PANELS)  # its part of the loan page
