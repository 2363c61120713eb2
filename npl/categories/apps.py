from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "npl.categories"
    label = "categories"
    verbose_name = "特殊类别"

    def ready(self):
        from npl.categories.derive import Memberships
        from npl.categories.panels import LOAN_PANELS
        from npl.core import derived, panels

        derived.register(Memberships())
        panels.register(*LOAN_PANELS)  # its part of the loan page
