"""The statistics pages, mounted at /staff/statistics/."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.statistics_page, name="statistics"),
    path("recompute/", views.recompute, name="recompute"),
    path("export.csv", views.export_csv, name="csv"),
    path("export.pdf", views.export_pdf, name="pdf"),
    path("documents/<int:pk>/", views.document_status, name="document"),
]
