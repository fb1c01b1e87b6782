from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    # The public front door is the report form.
    path("", RedirectView.as_view(pattern_name="intake:start", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Public intake form and status lookup; the language switcher posts to i18n/setlang/.
    path("report/", include("intake.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/statistics/", include("reports.urls")),
    path("staff/documents/", include("reports.document_urls")),
    path("staff/", include("cases.urls")),
]
