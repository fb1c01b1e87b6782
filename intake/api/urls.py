"""The public reporting API, mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from intake.api import views

app_name = "intake_api"

urlpatterns = [
    path("reports/", views.ReportCreateView.as_view(), name="report-create"),
    path("reports/status/", views.ReportStatusView.as_view(), name="report-status"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("encounter-kinds/", views.EncounterKindListView.as_view(), name="encounter-kind-list"),
    path("perceived-bases/", views.PerceivedBasisListView.as_view(), name="perceived-basis-list"),
]
