from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "npl.org"
    label = "org"
    verbose_name = "组织机构"
