from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "npl.categories"
    label = "categories"
    verbose_name = "特殊类别"
