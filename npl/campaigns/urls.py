from django.urls import path

from npl.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/export.xlsx", views.campaign_xlsx, name="export_xlsx"),
    path("<int:pk>/reductions/", views.reductions, name="reductions"),
    path("<int:pk>/reductions/new/", views.reduction_new, name="reduction_new"),
]
