from django.urls import path

from npl.advice import views

app_name = "advice"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("next/", views.next_item, name="next"),
    path("done/", views.done, name="done"),
    path("dismiss/", views.dismiss, name="dismiss"),
    path("assign/", views.assign, name="assign"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<slug:code>/", views.rule_edit, name="rule_edit"),
    path("rules/<slug:code>/toggle/", views.rule_toggle, name="rule_toggle"),
]
