"""Mounts each app's api/urls.py under /api/v1/."""

urlpatterns: list = []
