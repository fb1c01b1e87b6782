"""The public report form and status lookup, mounted at /report/."""

from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.start, name="start"),
    path("start-over/", views.start_over, name="start-over"),
    path("review/", views.review, name="review"),
    path("status/", views.status, name="status"),
    path("<slug:slug>/", views.step, name="step"),
]
