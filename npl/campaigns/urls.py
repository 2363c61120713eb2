from django.urls import path

from npl.campaigns import views

app_name = "campaigns"
# The campaign's Excel export is in reports.campaign_exports (npl/urls.py adds it to this namespace).
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/reductions/", views.reductions, name="reductions"),
    path("<int:pk>/reductions/new/", views.reduction_new, name="reduction_new"),
]
