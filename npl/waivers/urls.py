from django.urls import path

from npl.waivers import views

app_name = "waivers"
urlpatterns = [
    path("", views.policy, name="policy"),
    path("public/", views.public_policy, name="public"),
    path("sheet/", views.sheet, name="sheet"),
    path("payoff/<int:loan_pk>/", views.payoff, name="payoff"),
    path("payoff/<int:loan_pk>/request/", views.request_new, name="request_new"),
    path("requests/", views.queue, name="queue"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.decide, name="decide"),
    path("requests/<int:pk>/check/", views.check, name="check"),
    path("requests/<int:pk>/void/", views.void, name="void"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:pk>/", views.manage_version, name="manage_version"),
    path("manage/tiers/<int:pk>/", views.manage_tier, name="manage_tier"),
]
