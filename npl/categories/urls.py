from django.urls import path

from npl.categories import views

app_name = "categories"
urlpatterns = [
    path("", views.report, name="report"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.docx", views.export_docx, name="export_docx"),
    path("township-report.docx", views.township_report_docx, name="township_report"),
    path("manual/", views.manual_list, name="manual"),
    path("manual/new/", views.manual_new, name="manual_new"),
    path("manual/<int:pk>/decide/", views.manual_decide, name="manual_decide"),
    path("threshold/", views.threshold, name="threshold"),
    path("<slug:code>/", views.category_loans, name="loans"),
]
