from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from npl.reports.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("", include("npl.accounts.urls")),
    path("loans/", include("npl.loans.urls")),
    path("imports/", include("npl.intake.urls")),
    path("categories/", include("npl.categories.urls")),
    path("campaigns/", include("npl.campaigns.urls")),
    path("collection/", include("npl.collection.urls")),
    path("litigation/", include("npl.litigation.urls")),
    path("refinance/", include("npl.refinance.urls")),
    path("waivers/", include("npl.waivers.urls")),
    path("documents/", include("npl.documents.urls")),
    path("advice/", include("npl.advice.urls")),
    path("reports/", include("npl.reports.urls")),
    path("api/", include("npl.api.urls")),
    path("settings/", include("npl.core.urls")),
]
if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
