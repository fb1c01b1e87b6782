"""The reports API (documents and statistics), mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from reports.api import documents, statistics

app_name = "reports_api"

urlpatterns = [
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
    path(
        "cases/<str:reference>/documents/",
        documents.CaseDocumentsView.as_view(),
        name="case-documents",
    ),
    path("documents/<int:pk>/", documents.DocumentDetailView.as_view(), name="document-detail"),
    path(
        "documents/<int:pk>/download/",
        documents.DocumentDownloadView.as_view(),
        name="document-download",
    ),
]
