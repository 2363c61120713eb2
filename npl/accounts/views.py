"""Login pages are Django's own views; the home page shows each role its own figures."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from npl.accounts.home import dashboard


@login_required
def home(request):
    """首页: district, township, collector, branch, court, police or discipline view by role."""
    return render(request, "accounts/home.html", dashboard(request.user))
