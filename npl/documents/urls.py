from django.urls import path

from npl.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.batch, name="batch"),
    path("log/", views.log, name="log"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:kind>/download/", views.template_download, name="template_download"),
    path("templates/<str:kind>/activate/", views.template_activate, name="template_activate"),
    path("loan/<str:loan_no>/", views.loan_documents, name="loan"),
    path("loan/<str:loan_no>/<str:kind>/", views.loan_download, name="loan_download"),
]
