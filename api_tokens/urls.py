"""A staff member's own API tokens, mounted at /staff/account/tokens/."""

from django.urls import path

from api_tokens import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<int:token_id>/revoke/", views.revoke, name="revoke"),
]
