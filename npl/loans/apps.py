from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "npl.loans"
    label = "loans"
    verbose_name = "贷款登记"
