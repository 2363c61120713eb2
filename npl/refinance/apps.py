from django.apps import AppConfig


class RefinanceConfig(AppConfig):
    name = "npl.refinance"
    label = "refinance"
    verbose_name = "借新还旧/转贷"
