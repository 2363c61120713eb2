"""Login, logout and the home page. No app namespace: settings name them LOGIN_URL="login" etc."""
from django.contrib.auth import views as auth_views
from django.urls import path

from npl.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
