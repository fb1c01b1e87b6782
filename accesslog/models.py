"""The access log: who looked at which case, document or evidence file, and who signed in.

One row per event, written with one INSERT and never changed. Rows leave only through the
retention schedule (`accesslog.services.expire_access_log`), never one by one.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbing.audit.records import ChainedRecord
from plumbing.records import Record


class AccessKind(models.TextChoices):
    CASE = "case", _("Case opened")
    CASE_HISTORY = "case_history", _("Case history read")
    EVIDENCE_DOWNLOAD = "evidence_download", _("Evidence file downloaded")
    DOCUMENT = "document", _("Document read")
    DOCUMENT_DOWNLOAD = "document_download", _("Document downloaded")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    # Changes to an account's ways in. `object_id` holds the device's or token's id; for a
    # reset by an administrator the row is the administrator's and `object_id` is the id of
    # the account whose devices went.
    SECOND_FACTOR_ADDED = "factor_added", _("Second factor added")
    SECOND_FACTOR_REMOVED = "factor_removed", _("Second factor removed")
    RECOVERY_CODES_REPLACED = "recovery_codes", _("Recovery codes replaced")
    SECOND_FACTOR_RESET = "factor_reset", _("Another account's second factors reset")
    API_TOKEN_CREATED = "token_created", _("API token made")
    API_TOKEN_REVOKED = "token_revoked", _("API token revoked")
    # Passwords and sessions (cases/passwords.py, cases/staff_sessions.py). The row is the
    # account's own; for an ended session `object_id` holds the `StaffSession` id.
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset by e-mail")
    # The row is the administrator's; `object_id` is the id of the account.
    PASSWORD_SET = "password_set", _("Another account's password set by an administrator")
    SESSION_ENDED = "session_ended", _("Signed-in session ended")
    # The queue's cases written to a CSV file (cases/queue_export.py). `object_id` holds how
    # many cases the file holds; `path` the export's path (its filters are not kept).
    QUEUE_EXPORT = "queue_export", _("Case list exported")


class AccessLogEntry(ChainedRecord, Record):
    """Only the retention schedule removes rows (`expire()` on a queryset).

    Each row is chained (plumbing/audit) to the one before it about the same case, or else by
    the same account, or else with the same name typed at a failed sign-in: `chain_key`."""

    edit_refusal = "The access log is a record: add a row instead of editing one."
    update_refusal = "The access log is a record: its rows are never changed."
    delete_refusal = "The access log is a record: rows leave only through the retention schedule."

    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    at = models.DateTimeField(default=timezone.now)
    # Nobody for a failed sign-in or a lockout; `username` then holds the name that was typed.
    # Accounts are deactivated, not deleted, so the row keeps pointing at the person.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_log_entries",
        db_index=False,  # the (user, at) index below serves lookups by user
    )
    username = models.CharField(max_length=150, blank=True)
    # The role's name when it happened (cases/roles.py Role), as text: a later change of role
    # does not rewrite what someone was when they looked.
    role = models.CharField(max_length=50, blank=True)
    # The id of the evidence file or document; the case's reference for a case.
    object_id = models.CharField(max_length=40, blank=True)
    case_reference = models.CharField(max_length=32, blank=True)
    # The client address as the rate limits read it (intake.ratelimit.client_ip).
    address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log entries"
        indexes = [
            # "Who has looked at this case" and the list filtered by case; the retention
            # schedule and the unfiltered list read by time.
            models.Index(fields=["case_reference", "-at"], name="accesslog_case_at"),
            models.Index(fields=["-at"], name="accesslog_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain_key", "chain_seq"], name="accesslog_chain"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(self.edit_refusal)
        self.insert_chained(super().save, *args, **kwargs)

    def chain_key_for(self) -> str:
        if self.case_reference:
            return f"case:{self.case_reference}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"name:{self.username}"

    def __str__(self) -> str:
        return f"{self.kind} by {self.username or self.user_id} at {self.at:%Y-%m-%d %H:%M}"
