from django.urls import path

from npl.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("daily/", views.daily, name="daily"),
    path("weekly/", views.weekly, name="weekly"),
    path("<str:kind>/export.<str:fmt>", views.download, name="download"),
    path("<str:kind>/chart-<str:name>.svg", views.chart, name="chart"),
    path("<str:kind>/publish/", views.publish, name="publish"),
    path("charts/trend.svg", views.trend_svg, name="trend_svg"),
]
