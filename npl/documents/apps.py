from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "npl.documents"
    label = "documents"
    verbose_name = "文书"
