"""The access log, mounted at /staff/access-log/."""

from django.urls import path

from accesslog import views

app_name = "accesslog"

urlpatterns = [
    path("", views.access_log_page, name="list"),
    path("export.csv", views.access_log_csv, name="csv"),
]
