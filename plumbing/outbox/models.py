"""One row per task that must be handed to the broker after the transaction that wrote it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task call waiting to be published, or published.

    Written by `publish` in the caller's transaction, so it exists exactly when the change it
    follows exists. Holds ids, never personal data: the task reads what it needs when it runs.
    Not history-tracked: it is delivery bookkeeping, and the changes it follows have history.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The relay does not try again before this (backoff after a refused publish).
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The exception class of the last refused publish (never its message: it may hold a URL).
    last_error = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay's query: pending messages by when they may be tried.
            models.Index(
                fields=["available_at"],
                condition=Q(published_at__isnull=True),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["published_at"], name="outbox_published_idx"),
        ]

    def __str__(self) -> str:
        state = "published" if self.published_at else "pending"
        return f"{self.task} #{self.pk} ({state})"
