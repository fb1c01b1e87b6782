from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from intake import language
from plumbing import error_pages

# JSON under /api/, pages elsewhere; an outage is a 503 (plumbing/outages.py).
handler404 = "plumbing.error_pages.page_not_found"
handler500 = "plumbing.error_pages.server_error"

urlpatterns = [
    # The public front door is the report form.
    path("", RedirectView.as_view(pattern_name="intake:start", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other address under /api/ is a JSON 404, never a page or a redirect to a slashed
    # address (plumbing/error_pages.py).
    re_path(r"^api/", error_pages.api_not_found),
    # Public intake form and status lookup.
    path("report/", include("intake.urls")),
    # The header's language switcher: keeps the choice in the session, not in a cookie.
    path("i18n/setlang/", language.switch_language, name="set_language"),
    path("staff/statistics/", include("reports.urls")),
    path("staff/documents/", include("reports.document_urls")),
    path("staff/access-log/", include("accesslog.urls")),
    path("staff/account/tokens/", include("api_tokens.urls")),
    # Passkeys' JSON endpoints (cases/passkeys.py).
    path("staff/webauthn/", include("cases.passkey_urls")),
    path("staff/", include("cases.urls")),
]
