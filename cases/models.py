"""Cases: one incident, the reports about it, and the work done on it.

Status, priority, assignee and merges change only through cases/services.py, which records
who, when and why in the history tables.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbing.audit.history import ChainedHistoricalRecords
from plumbing.keys.fields import DataKeyField, SealedTextField
from plumbing.records import Record


class CaseHistoricalRecords(ChainedHistoricalRecords):
    """simple-history, with a case's tags copied into each history row at two queries less.

    To copy the tags the library first rebuilds the case from its new history row, and that
    reads the fields history leaves out (the derived search text and codes) back from the
    database, a query on every case save, only to reach the tags' through table, which they do
    not change. And a case just created has no tags yet, so there is nothing to copy.
    """

    def create_historical_record_m2ms(self, history_instance: Any, instance: Any) -> None:
        if history_instance.history_type == "+":
            return
        history_instance._history_excluded_fields = ()
        super().create_historical_record_m2ms(history_instance, instance)


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseSequence(models.Model):
    """The last case number issued in a year, on SQLite; references are RD-<year>-<number>.
    On PostgreSQL numbers come from a sequence per year (cases/references.py), started from
    these rows and the references in use; the rows are no longer written there."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        TRIAGED = "triaged", _("Triaged")
        INVESTIGATING = "investigating", _("Investigating")
        # Handed to an outside body (an oversight office, a prosecutor, counsel).
        REFERRED = "referred", _("Referred")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class CloseReason(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        DUPLICATE = "duplicate", _("Duplicate")
        SPAM = "spam", _("Spam")
        OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
        WITHDRAWN = "withdrawn", _("Withdrawn by the person who reported it")

    reference = models.CharField(max_length=20, unique=True)
    # The case's own data key (plumbing/keys/fields.py), made when the case is opened: it seals
    # what the case itself holds about people (its notes, the reason for a priority).
    data_key = DataKeyField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=15, choices=Status, default=Status.NEW)
    status_changed_at = models.DateTimeField(default=timezone.now)
    close_reason = models.CharField(max_length=15, choices=CloseReason, blank=True)
    # `priority` is what the queue sorts by; it equals `computed_priority` unless overridden.
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    computed_priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    priority_override_reason = SealedTextField(max_length=500, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="cases")
    due_date = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # One more for every change saved through cases/services.py. A change states the version
    # its author saw (the pages' hidden field, the API's ETag) and is refused when the case has
    # moved on since (cases/concurrency.py). Kept in history, so a refusal can say what changed.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Derived from the case's reports for the queue's full-text search (cases/search.py); on
    # PostgreSQL a GIN index covers its tsvector. Not history-tracked: it is never a decision.
    search_text = models.TextField(blank=True, editable=False)
    # The codes of every encounter kind and agency in the case's reports, each between spaces
    # (" border-patrol ice "), so the queue's kind and agency filters test the case row itself
    # rather than joining reports, encounters and links for every case they pass over
    # (cases/encounter_codes.py). Derived, like search_text, and not history-tracked.
    kind_codes = models.TextField(blank=True, editable=False)
    agency_codes = models.TextField(blank=True, editable=False)

    history = CaseHistoricalRecords(
        m2m_fields=[tags],
        # Staff write reasons in their own words (a transition, a merge, a priority override)
        # and may name people in them: sealed with the case's key, like its notes.
        history_change_reason_field=SealedTextField(null=True, blank=True),
        excluded_fields=["search_text", "kind_codes", "agency_codes"],
        # See intake/models.py: history is read by the case's id, never by these.
        no_db_index=["reference", "assignee", "merged_into"],
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-priority", "-opened_at"], name="case_queue_idx"),
            # The queue by status, newest first (its default sort), and the capped counts per
            # status: statuses follow age, so walking all cases by date to find one status
            # would pass over hundreds of thousands of rows (docs/performance.md).
            models.Index(
                fields=["status", "-opened_at", "-id"],
                condition=Q(merged_into__isnull=True),
                name="case_status_newest_idx",
            ),
            models.Index(fields=["-opened_at"], name="case_opened_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_idx"),
            models.Index(fields=["due_date"], name="case_due_idx"),
            # The retention schedule's question, daily and on the upcoming purges page: closed
            # cases of each close reason closed before a date (cases/retention.py). Partial, so
            # open and merged cases, never purged by themselves, are not in it.
            models.Index(
                fields=["close_reason", "status_changed_at"],
                condition=Q(status="closed", merged_into__isnull=True),
                name="case_retention_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""),
                name="closed_case_has_reason",
                violation_error_message=_("A closed case needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(close_reason=""),
                name="open_case_has_no_close_reason",
            ),
            models.CheckConstraint(
                condition=Q(priority=F("computed_priority")) | ~Q(priority_override_reason=""),
                name="priority_override_has_reason",
                violation_error_message=_("Overriding the priority needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True)
                | Q(status="closed", close_reason="duplicate"),
                name="merged_case_is_closed_as_duplicate",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="case_not_merged_into_itself"
            ),
        ]
        permissions = [
            ("view_all_identities", "Can see every complainant's identity and contact"),
            ("view_legal_notes", "Can read and write legal-only notes"),
            ("transition_case", "Can move a case through the workflow"),
            ("assign_case", "Can assign cases"),
            ("merge_case", "Can merge duplicate cases"),
            ("export_full_case_file", "Can export the full case file"),
            ("export_redacted_case_file", "Can export the redacted case file"),
            ("view_statistics", "Can view and export statistics"),
            ("ask_reporter", "Can post questions to the person who filed a report"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseNote(models.Model):
    class Visibility(models.TextChoices):
        STAFF = "staff", _("Staff (liaisons and legal)")
        LEGAL = "legal", _("Legal staff only")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    data_key = DataKeyField(source="case")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = SealedTextField()
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.STAFF)
    created_at = models.DateTimeField(default=timezone.now)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="case_note_has_body"),
        ]

    def __str__(self) -> str:
        return f"Note on {self.case_id} by {self.author_id}"


class LegalHold(models.Model):
    """A legal hold on a case: while it is in force (`lifted_at` empty) the case is never
    purged, whatever its retention schedule says (cases/retention.py).

    Placed and lifted only by legal staff, through `cases.legal_holds`, each with a reason;
    the row's history records who did each and why. A lifted hold stays as the record of it;
    a case has at most one hold in force at a time.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    history = ChainedHistoricalRecords(no_db_index=["case", "placed_by", "lifted_by"])

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(lifted_at__isnull=True),
                name="one_legal_hold_in_force_per_case",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lift_reason="", lifted_by__isnull=True)
                | (Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="lifted_legal_hold_has_who_and_reason",
            ),
        ]
        permissions = [
            ("manage_legal_hold", "Can place and lift legal holds and see upcoming purges"),
        ]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "in force"
        return f"Legal hold on {self.case_id} ({state})"


class RoleChange(Record):
    """One role granted to or removed from an account: who, whom, when. Append-only.

    Written by `cases.staff_accounts` for every change to a role group's members, whichever way
    it is made (the admin's user form, which knows who acted; or `user.groups` from a shell,
    which does not). Rows are never changed or deleted here: a wrong grant is undone by a
    removal, which is a row of its own.
    """

    class Change(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REMOVED = "removed", _("Removed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_changes"
    )
    # The group's name, as in cases/roles.py (Role); kept as text, so a row still reads the same
    # if a role is ever renamed.
    role = models.CharField(max_length=50)
    change = models.CharField(max_length=10, choices=Change)
    # Nobody when the change was made outside the admin (a shell, a script).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_changes_made",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    edit_refusal = "Role changes are a record: add a new one instead of editing one."
    update_refusal = "Role changes are a record: add a new one instead of editing one."
    delete_refusal = "Role changes are a record and are never deleted."

    def __str__(self) -> str:
        return f"{self.role} {self.change} for {self.user_id}"


class SecondFactorReset(Record):
    """An administrator removed someone's second-factor devices: who, whom, when. Append-only,
    like `RoleChange`; written only by `cases.two_factor.reset_second_factor`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="second_factor_resets"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="second_factor_resets_made",
    )
    reset_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reset_at", "-pk"]

    edit_refusal = "Resets are a record: add a new one instead of editing one."
    update_refusal = "Resets are a record: add a new one instead of editing one."
    delete_refusal = "Resets are a record and are never deleted."

    def __str__(self) -> str:
        return f"second factor of {self.user_id} reset by {self.actor_id}"


class StaffSession(models.Model):
    """One signed-in browser of a staff account, for the account's "Your sessions" page.

    Written when someone signs in and deleted when they sign out or the session is ended
    (cases/staff_sessions.py); nothing reads or writes it on other requests.

    It holds the session key itself, not a digest of it. Ending a session means deleting it
    from the session store, which needs the key; a digest would need a second table mapping it
    back, holding the same secret. And Django's session table already stores every key as it
    is, next to the data that signs the session in, so this column exposes nothing that a reader
    of the database could not already take. The key never leaves the server: pages name a
    session by this row's id, and ending one checks that it belongs to the person asking.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    # The client address as the rate limits read it (intake.ratelimit.client_ip).
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        indexes = [models.Index(fields=["user", "-signed_in_at"], name="staffsession_user_at")]

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A set of queue filters that a staff member named: the queue's query string, so opening
    the view is opening the queue at that URL, and the URL can be shared. Written and deleted
    only through cases/saved_views.py; the built-in views ("My cases", ...) are not rows."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    # The queue's filters as a query string, validated and put in a canonical order.
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # Also the index that lists a person's views.
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_owner_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner_id})"


class StaffPreferences(models.Model):
    """A staff member's settings of their own account. Only the interface's language so far:
    copied into the session at sign-in and when it is saved (cases/staff_language.py), so the
    pages read it at no query."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preferences"
    )
    # A code of settings.LANGUAGES; "" keeps the browser's language, as before there was a
    # setting.
    language = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name_plural = "staff preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
