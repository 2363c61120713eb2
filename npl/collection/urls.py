from django.urls import path

from npl.collection import views

app_name = "collection"
urlpatterns = [
    path("clocks/", views.clock_alerts, name="clock_alerts"),
    path("clocks/loan/<str:loan_no>/", views.loan_clocks, name="loan_clocks"),
]
