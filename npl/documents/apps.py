from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "npl.documents"
    label = "documents"
    verbose_name = "文书"

    def ready(self):
        from npl.documents import checks  # noqa: F401  (registers the CJK font check)
