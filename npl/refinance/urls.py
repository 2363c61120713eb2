from django.urls import path

from npl.refinance import views

app_name = "refinance"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("timing/", views.timing, name="timing"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/step/", views.step, name="step"),
    path("<int:pk>/print/", views.printout, name="print"),
]
