from django.urls import path

from npl.categories import views

app_name = "categories"
# The table's exports are in reports.category_exports (npl/urls.py adds them to this namespace).
urlpatterns = [
    path("", views.report, name="report"),
    path("manual/", views.manual_list, name="manual"),
    path("manual/new/", views.manual_new, name="manual_new"),
    path("manual/<int:pk>/decide/", views.manual_decide, name="manual_decide"),
    path("threshold/", views.threshold, name="threshold"),
    path("<slug:code>/", views.category_loans, name="loans"),
]
