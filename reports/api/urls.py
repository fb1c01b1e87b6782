"""The reports API (documents and statistics), mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from reports.api import statistics

app_name = "reports_api"

urlpatterns = [
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
]
