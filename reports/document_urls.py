"""Staff pages for documents, mounted at /staff/documents/."""

from django.urls import path

from reports import document_views

app_name = "documents"

urlpatterns = [
    path("cases/<str:reference>/", document_views.request_case_file, name="request"),
    path("<int:pk>/download/", document_views.download, name="download"),
]
