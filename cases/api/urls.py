"""The staff case API, mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from cases.api import legal_holds, views

app_name = "cases_api"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<str:reference>/", views.CaseDetailView.as_view(), name="case-detail"),
    path(
        "cases/<str:reference>/transition/",
        views.CaseTransitionView.as_view(),
        name="case-transition",
    ),
    path("cases/<str:reference>/notes/", views.CaseNoteCreateView.as_view(), name="case-notes"),
    path("cases/<str:reference>/merge/", views.CaseMergeView.as_view(), name="case-merge"),
    path(
        "cases/<str:reference>/questions/",
        views.CaseQuestionCreateView.as_view(),
        name="case-questions",
    ),
    path("cases/<str:reference>/assign/", views.CaseAssignView.as_view(), name="case-assign"),
    path("cases/<str:reference>/tags/", views.CaseTagsView.as_view(), name="case-tags"),
    path("cases/<str:reference>/history/", views.CaseHistoryView.as_view(), name="case-history"),
    path(
        "cases/<str:reference>/legal-hold/",
        legal_holds.LegalHoldView.as_view(),
        name="case-legal-hold",
    ),
    path(
        "cases/<str:reference>/legal-hold/lift/",
        legal_holds.LegalHoldLiftView.as_view(),
        name="case-legal-hold-lift",
    ),
    path(
        "evidence/<int:evidence_id>/download/",
        views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
]
