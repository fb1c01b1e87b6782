"""The site's URLs plus the benchmarks' baseline: a minimal Django JSON view, served through
the same middleware by the same gunicorn. Used only by config.settings.bench."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import handler404, handler500  # noqa: F401 - the site's error pages
from config.urls import urlpatterns as site_urlpatterns


def minimal(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/minimal/", minimal, name="bench-minimal"), *site_urlpatterns]
