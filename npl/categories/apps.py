from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "npl.categories"
    label = "categories"
    verbose_name = "特殊类别"

    def ready(self):
        from npl.categories.derive import Memberships
        from npl.core import derived

        derived.register(Memberships())
