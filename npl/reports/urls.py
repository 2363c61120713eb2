from django.urls import path

from npl.reports import views, views_rollups

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("daily/", views.daily, name="daily"),
    path("weekly/", views.weekly, name="weekly"),
    # 市/省金融办's roll-ups (before the <kind> patterns: "region" is no bulletin kind)
    path("region/categories/", views_rollups.region_page, {"name": "categories"}, name="region_categories"),
    path("region/categories.xlsx", views_rollups.region_xlsx, {"name": "categories"}, name="region_categories_xlsx"),
    path("region/clocks/", views_rollups.region_page, {"name": "clocks"}, name="region_clocks"),
    path("region/clocks.xlsx", views_rollups.region_xlsx, {"name": "clocks"}, name="region_clocks_xlsx"),
    path("region/campaigns/", views_rollups.region_page, {"name": "campaigns"}, name="region_campaigns"),
    path("region/campaigns.xlsx", views_rollups.region_xlsx, {"name": "campaigns"}, name="region_campaigns_xlsx"),
    path("<str:kind>/export.<str:fmt>", views.download, name="download"),
    path("<str:kind>/chart-<str:name>.svg", views.chart, name="chart"),
    path("<str:kind>/publish/", views.publish, name="publish"),
    path("charts/trend.svg", views.trend_svg, name="trend_svg"),
    path("charts/township-trend.svg", views.township_trend_svg, name="township_trend_svg"),
    path("charts/categories.svg", views.categories_svg, name="categories_svg"),
    path("charts/states.svg", views.states_svg, name="states_svg"),
]
