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
    path("charts/township-trend.svg", views.township_trend_svg, name="township_trend_svg"),
    path("charts/categories.svg", views.categories_svg, name="categories_svg"),
    path("charts/states.svg", views.states_svg, name="states_svg"),
]
