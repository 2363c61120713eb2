from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from npl.campaigns import urls as campaigns_urls
from npl.categories import urls as categories_urls
from npl.reports import campaign_exports, category_exports
from npl.reports.views import home


def _with(app_urls, *more):
    """An app's URLs with pages another app serves in its namespace (exports that sit in reports: the layer
    order keeps the app from importing them)."""
    return include(([*more, *app_urls.urlpatterns], app_urls.app_name))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("", include("npl.accounts.urls")),
    path("loans/", include("npl.loans.urls")),
    path("imports/", include("npl.intake.urls")),
    path("categories/", _with(categories_urls, *category_exports.urlpatterns)),
    path("campaigns/", _with(campaigns_urls, *campaign_exports.urlpatterns)),
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
