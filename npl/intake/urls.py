from django.urls import path

from npl.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.upload_chooser, name="new"),
    path("new/<str:kind>/", views.upload, name="upload"),
    path("templates/<str:kind>/", views.blank_template, name="template"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/cancel/", views.batch_cancel, name="cancel"),
    path("<int:pk>/mapping/", views.batch_mapping, name="mapping"),
    path("<int:pk>/file/", views.batch_file, name="file"),
    path("<int:pk>/refused.xlsx", views.batch_refused_rows, name="refused"),
]
