"""Mounts each app's api/urls.py under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("intake.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("reports.api.urls")),
]
