from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "npl.documents"
    label = "documents"
    verbose_name = "文书"

    def ready(self):
        from npl.core import daily, panels
        from npl.documents import checks  # noqa: F401  (registers the CJK font check)
        from npl.documents.daily import JOB
        from npl.documents.panels import LOAN_PANELS

        panels.register(*LOAN_PANELS)  # its part of the loan page
        daily.register(JOB)  # its part of `npl collection sweep`
