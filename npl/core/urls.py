from django.urls import path

from npl.core import views

app_name = "core"
urlpatterns = [
    path("<str:kind>/adopt/", views.adopt, name="settings_adopt"),
    path("<str:kind>/restore/", views.restore, name="settings_restore"),
]
