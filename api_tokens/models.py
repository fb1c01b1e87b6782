"""The keys staff use to call the API, and the record of their making and revoking.

`ApiToken` is django-rest-knox's token (settings.KNOX_TOKEN_MODEL): the database keeps a
SHA-512 digest of each key, never the key, plus the first characters knox looks it up by. It
adds what a person needs to manage their keys: a name and when it was last used. Its own
integer id is what pages and services name a token by; the digest stays out of every page.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from plumbing.records import Record

NAME_MAX_LENGTH = 100


class ApiToken(AbstractAuthToken):
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    # Written at most once a minute per token (services.record_api_token_use), so a script
    # calling the API in a loop does not write on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The one-time key of the form that made the token (services.create_api_token), so a form
    # sent twice (a refresh, a double click) makes one token, not two.
    form_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "form_key"],
                condition=~models.Q(form_key=""),
                name="api_token_one_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    def has_expired(self, now: Any = None) -> bool:
        return self.expiry is not None and self.expiry <= (now or timezone.now())


class ApiTokenEvent(Record):
    """One token made or revoked: whose, which, by whom, when. Append-only.

    A revoked token's row is deleted (nothing can authenticate with it any more), so the event
    keeps the token's id and name as text.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        REVOKED = "revoked", _("Revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token_events"
    )
    token_id = models.BigIntegerField()
    token_name = models.CharField(max_length=NAME_MAX_LENGTH)
    kind = models.CharField(max_length=10, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token_events_made"
    )
    at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    edit_refusal = "Token events are a record: add a new one instead of editing one."
    update_refusal = "Token events are a record: add a new one instead of editing one."
    delete_refusal = "Token events are a record and are never deleted."

    def __str__(self) -> str:
        return f"token {self.token_id} {self.kind} for {self.user_id}"
