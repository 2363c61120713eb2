from django.urls import path

from npl.litigation import views

app_name = "litigation"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/stage/", views.advance, name="advance"),
    path("<int:pk>/judgment/", views.judgment, name="judgment"),
    path("<int:pk>/recovery/", views.recovery, name="recovery"),
    path("<int:pk>/listing/", views.listing, name="listing"),
    path("file/<str:loan_no>/", views.file_case, name="file"),
]
