"""Documents (PDF case files and statistics exports) and statistics snapshots.

Both are built by Celery workers, never in the request that asked for them. A document row is
created first (queued), and the worker moves it to rendering, then ready or failed.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbing.audit.history import ChainedHistoricalRecords
from plumbing.records import Record


class StatisticsSnapshot(models.Model):
    """Figures computed at one moment for one set of filters (reports/statistics/)."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly schedule")
        ON_DEMAND = "on_demand", _("Asked for by a person")

    filters = models.JSONField(default=dict, blank=True)
    # A stable digest of `filters`, so the newest snapshot for a filter set is one index lookup.
    filters_key = models.CharField(max_length=64, db_index=True)
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger, default=Trigger.ON_DEMAND)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"Statistics at {self.computed_at:%Y-%m-%d %H:%M}"


class StatisticsTally(models.Model):
    """One running count behind the unfiltered statistics (reports/tallies.py).

    Kept current in the transaction of every write that changes a figure, so the statistics
    for the whole database are a read of a few hundred rows rather than a scan of a million
    reports. Derived data, rebuilt from the tables at will (`rebuild_statistics_tallies`), so
    it keeps no history of its own: the writes it counts have theirs.
    """

    class Figure(models.TextChoices):
        # `month` is YYYY-MM in the metro area's time ("" when not known); `key` the city
        # as typed, trimmed ("" when not known).
        PLACE = "place", _("Reports by month and city")
        KIND = "kind", _("Reports by encounter kind (code)")
        AGENCY = "agency", _("Reports by agency (code)")
        BASIS = "basis", _("Reports by perceived basis (code)")
        # `key` is "<status>:<priority>" of a case that has not been merged into another.
        CASE = "case", _("Cases by status and priority")

    figure = models.CharField(max_length=10, choices=Figure)
    month = models.CharField(max_length=7, blank=True)
    key = models.CharField(max_length=200, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "month", "key"], name="statistics_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.month} {self.key}: {self.count}"


def default_claim_deadline() -> datetime:
    """A new row's deadline: a worker should have claimed it by then, or the sweep hands it to
    the broker again. reports.services sets it itself; this covers rows written any other way
    (a shell, a fixture), so none can wait where the sweep never looks."""
    return timezone.now() + timedelta(seconds=settings.REPORTS_REQUEUE_AFTER_SECONDS)


class Document(models.Model):
    class Kind(models.TextChoices):
        CASE_FILE = "case_file", _("Case file")
        REDACTED_CASE_FILE = "redacted_case_file", _("Redacted case file")
        STATISTICS = "statistics", _("Statistics")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        # Gave up: a permanent error, or too many attempts (see MAX_ATTEMPTS).
        FAILED = "failed", _("Failed")

    MAX_ATTEMPTS = 3

    kind = models.CharField(max_length=20, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    snapshot = models.ForeignKey(
        StatisticsSnapshot, null=True, blank=True, on_delete=models.PROTECT,
        related_name="documents",
    )
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # A case file's chain head when it was rendered (cases/audit.py), printed on its last page,
    # and the chain heads it is made of ("table:object" -> [seq, hash]), so `verify_document`
    # can tell later whether each is still a row of an intact chain.
    chain_head = models.CharField(max_length=64, blank=True)
    chain_heads = models.JSONField(default=dict, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # The id of the data key the file is sealed with (plumbing/keys/files.py), in the key store
    # outside the database: one of its own, set with the file, destroyed with it.
    data_key = models.UUIDField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # When it was last queued, its render published through the outbox (for the record).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Until when the row is in someone's hands: the broker's while queued (a worker should have
    # claimed it by then), a worker's while rendering (its heartbeat keeps pushing it on). The
    # sweep hands every queued or rendering row past it to the broker again (reports/leases.py).
    lease_expires_at = models.DateTimeField(null=True, blank=True, default=default_claim_deadline)
    # Random per claim: the fencing token a worker's renewals and final write must still match
    # (a worker whose claim was taken over writes nothing), and the name of its PDF file, so
    # the file of a lost attempt can be found and deleted.
    lease_token = models.CharField(max_length=32, blank=True)
    # "<host>:<pid>" of the process rendering it, so a redelivery on the same host can tell
    # that the holder died (the pool replaced a killed child) and take over at once.
    lease_holder = models.CharField(max_length=300, blank=True)
    # A short description of what went wrong, never the document's content (personal data).
    error = models.CharField(max_length=500, blank=True)
    download_count = models.PositiveIntegerField(default=0)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The sweep's query, every few seconds: only unfinished rows are in the index.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status__in=["queued", "rendering"]),
                name="document_lease_idx",
            ),
            models.Index(fields=["case", "-requested_at"], name="document_case_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="statistics") | Q(case__isnull=False),
                name="case_file_has_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")),
                name="ready_document_has_file_and_hash",
            ),
            # Every unfinished row has a deadline, so none can wait where the sweep never looks.
            models.CheckConstraint(
                condition=~Q(status__in=["queued", "rendering"])
                | Q(lease_expires_at__isnull=False),
                name="unfinished_document_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class PurgedCase(Record):
    """What is left of a case the retention schedule purged (reports/retention.py): its
    reference, how and when it closed, when it was purged and how many reports it held.

    Nothing anyone wrote is kept, so a purged case leaves no trace of the people in it; the
    row is the record that the purge happened, and lets a reference that no longer opens be
    explained. A record: added once, never changed.
    """

    edit_refusal = "A purged case's record is never changed."
    update_refusal = "A purged case's record is never changed."
    delete_refusal = "A purged case's record is never deleted."

    reference = models.CharField(max_length=20, unique=True)
    close_reason = models.CharField(max_length=15)
    closed_at = models.DateTimeField()
    purged_at = models.DateTimeField(default=timezone.now)
    report_count = models.PositiveIntegerField(default=0)
    # The reference of the case it had been merged into (purged with it), "" for none.
    merged_into_reference = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-purged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference} purged {self.purged_at:%Y-%m-%d}"


class PurgedTally(models.Model):
    """The statistics tallies of the cases and reports the retention schedule purged.

    The running tallies (`StatisticsTally`) keep counting a purged case: the purge does not
    move them. But `rebuild_tallies` recounts from the tables, where a purged case no longer
    is; it adds these rows back (reports/tallies.py `recount`), so the statistics count
    purged cases for good. Same keys as `StatisticsTally`; written by the purge in the
    transaction that deletes the case.
    """

    figure = models.CharField(max_length=10, choices=StatisticsTally.Figure)
    month = models.CharField(max_length=7, blank=True)
    key = models.CharField(max_length=200, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "month", "key"], name="purged_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"purged {self.figure} {self.month} {self.key}: {self.count}"
