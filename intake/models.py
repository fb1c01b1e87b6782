"""What people tell us: reports, the people in them, the encounter, witnesses and evidence.

Nothing here is ever hard-deleted (see the `on_delete=PROTECT` everywhere): a report that
should no longer count is handled on its case, which closes, merges or is withdrawn.
"""

from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbing.audit.history import ChainedHistoricalRecords
from plumbing.keys.fields import DataKeyField, SealedDecimalField, SealedTextField

# History is read by the original row's id (a case's timeline, cases/timeline.py), never by
# the fields the live tables index for the queue and lookups; each index the history tables
# copied from them was one more write on every report filed. Their history rows list them in
# `no_db_index`.


class Agency(models.Model):
    class Level(models.TextChoices):
        FEDERAL = "federal", _("Federal")
        STATE = "state", _("State")
        COUNTY = "county", _("County")
        CITY = "city", _("City")

    code = models.SlugField(max_length=40, unique=True, help_text=_("Stable identifier."))
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    level = models.CharField(max_length=10, choices=Level)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class EncounterKind(models.Model):
    """A reference table of what agents did. `severity` drives a case's computed priority."""

    class Severity(models.IntegerChoices):
        LOW = 1, _("Low")
        MODERATE = 2, _("Moderate")
        HIGH = 3, _("High")
        CRITICAL = 4, _("Critical")

    code = models.SlugField(max_length=40, unique=True, help_text=_("Stable identifier."))
    label = models.CharField(max_length=120)
    # The same thing in the words of the person it happened to, for the public form.
    public_label = models.CharField(max_length=200)
    severity = models.PositiveSmallIntegerField(choices=Severity)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="encounter_kind_severity_range"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PerceivedBasis(models.Model):
    """Why the person believes they were stopped (race, skin colour, language, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name_plural = "perceived bases"

    def __str__(self) -> str:
        return self.label


class Report(models.Model):
    """One submission about one incident. Several reports can belong to one case."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        STAFF = "staff", _("Entered by staff")
        PRESS = "press", _("Press report")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="reports")
    tracking_code = models.CharField(max_length=20, unique=True)
    # The id of this report's data key in the key store (plumbing/keys/store.py): what
    # identifies people in the report is sealed with it, and destroying it (reports.retention)
    # makes all of that unreadable, in every backup too.
    data_key = DataKeyField()
    # Salted HMAC of the status secret, never the secret itself (see intake/tracking.py).
    secret_hash = models.CharField(max_length=200, blank=True)
    # Identifier in the system the report was imported from (a seed file, a partner's intake);
    # makes imports idempotent.
    external_id = models.CharField(max_length=120, blank=True)
    channel = models.CharField(max_length=10, choices=Channel)
    language = models.CharField(max_length=10, default="en")
    narrative = SealedTextField()
    consent_to_contact = models.BooleanField(default=False)
    consent_to_share_with_liaison = models.BooleanField(
        default=False,
        help_text=_("The person agreed that police liaisons may see who they are."),
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # For press reports: where the account comes from. The file is our own copy of the article
    # (never shown as its citation); the rest is the citation people can check.
    source_file = models.CharField(max_length=200, blank=True)
    source_headline = models.CharField(max_length=300, blank=True)
    source_outlet = models.CharField(max_length=200, blank=True)
    source_author = models.CharField(max_length=200, blank=True)
    source_published_on = models.DateField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    # Whether the citation above was read from the article itself: then an empty author, date
    # or URL means the article gives none, and pages say so; otherwise it was not recorded.
    source_citation_checked = models.BooleanField(default=False)
    # When the acknowledgement e-mail went out (intake/contact.py). Set in the transaction that
    # sends it, so a task the outbox delivers twice writes once. Delivery bookkeeping, written
    # without a history row: it is not a change anyone made to the report.
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = ChainedHistoricalRecords(
        excluded_fields=["acknowledged_at"],
        no_db_index=["case", "tracking_code", "submitted_at", "submitted_by"]
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="report_external_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(channel="press") | ~Q(source_file=""),
                name="press_report_names_its_source",
                violation_error_message=_("A press report must name its source."),
            ),
            models.CheckConstraint(condition=~Q(narrative=""), name="report_has_narrative"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class ReportFact(models.Model):
    """A fact as one source states it. Where sources of a case disagree on a topic, the case
    shows each version instead of picking one (see cases/conflicts.py)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="facts")
    # Its report's data key (plumbing/keys/fields.py), as in every row sealed with it.
    data_key = DataKeyField(source="report")
    topic = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    value = SealedTextField(max_length=500)

    history = ChainedHistoricalRecords(no_db_index=["report"])

    class Meta:
        ordering = ["topic", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "topic"], name="one_fact_per_topic_per_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


class Complainant(models.Model):
    class Role(models.TextChoices):
        AFFECTED = "affected", _("The person affected")
        WITNESS = "witness", _("A witness")
        ON_BEHALF = "on_behalf", _("Someone reporting on their behalf")
        ORGANISATION = "organisation", _("An organisation")
        NEWS_OUTLET = "news_outlet", _("A news outlet")
        # Someone speaking in public in an official capacity (a police chief at a news
        # conference), as a press source quotes them: public record, not a private identity.
        # Entered by staff and from press reports only; the public form never offers it.
        OFFICIAL = "official", _("A public official (public statement)")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="complainants")
    data_key = DataKeyField(source="report")
    role = models.CharField(max_length=20, choices=Role)
    is_anonymous = models.BooleanField(default=False)
    name = SealedTextField(max_length=200, blank=True)
    # An address, checked as one by the forms and the API; sealed like the name.
    email = SealedTextField(max_length=254, blank=True, validators=[validate_email])
    phone = SealedTextField(max_length=40, blank=True)
    safe_to_contact = models.BooleanField(default=False)
    preferred_language = models.CharField(max_length=10, blank=True)
    race_ethnicity = SealedTextField(
        max_length=200, blank=True, help_text=_("Optional, in the person's own words.")
    )
    occupation = SealedTextField(max_length=200, blank=True)

    history = ChainedHistoricalRecords(no_db_index=["report"])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | (Q(name="") & Q(email="") & Q(phone="")),
                name="anonymous_complainant_has_no_identity",
                violation_error_message=_(
                    "An anonymous complainant cannot have a name or contact."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.is_anonymous:
            return f"Anonymous ({self.get_role_display()})"
        return self.name or f"Unnamed ({self.get_role_display()})"


class Encounter(models.Model):
    class Identified(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        ONLY_WHEN_ASKED = "when_asked", _("Only when asked or pressed")
        UNKNOWN = "unknown", _("Not sure")

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="encounter")
    data_key = DataKeyField(source="report")
    occurred_at = models.DateTimeField(null=True, blank=True, db_index=True)
    occurred_at_is_approximate = models.BooleanField(default=False)
    address = SealedTextField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=2, blank=True, default="MN")
    # Sealed as text: read back as a Decimal or None. Their ranges are checked by the form and
    # the API (a sealed column cannot be checked by the database).
    latitude = SealedDecimalField(places=6)
    longitude = SealedDecimalField(places=6)
    kinds = models.ManyToManyField(EncounterKind, blank=True, related_name="encounters")
    agencies = models.ManyToManyField(Agency, blank=True, related_name="encounters")
    agent_count = models.PositiveSmallIntegerField(null=True, blank=True)
    vehicle_count = models.PositiveSmallIntegerField(null=True, blank=True)
    vehicle_description = SealedTextField(blank=True)
    plates = SealedTextField(max_length=200, blank=True)
    agents_identified = models.CharField(
        max_length=12, choices=Identified, default=Identified.UNKNOWN
    )
    perceived_basis = models.ManyToManyField(PerceivedBasis, blank=True, related_name="encounters")
    perceived_basis_other = SealedTextField(max_length=200, blank=True)
    injuries = SealedTextField(blank=True)
    outcome = SealedTextField(blank=True)

    # Kinds, agencies and bases are set once, by submit_report, in the same transaction as the
    # encounter; the encounter's own history row and the report's reason cover them.
    history = ChainedHistoricalRecords(no_db_index=["report", "occurred_at", "city"])

    def __str__(self) -> str:
        return f"Encounter in report {self.report_id}"


class Witness(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="witnesses")
    data_key = DataKeyField(source="report")
    name = SealedTextField(max_length=200, blank=True)
    contact = SealedTextField(max_length=200, blank=True)
    statement = SealedTextField(blank=True)
    willing_to_be_contacted = models.BooleanField(default=False)
    # Set when the person who filed the report added this witness later (ReportAddition).
    addition = models.ForeignKey(
        "ReportAddition", null=True, blank=True, on_delete=models.PROTECT, related_name="witnesses"
    )

    # The history rows of witnesses added later (the case's timeline reads those by report) have
    # a partial index of their own, made by migration 0027: the witnesses filed with a report,
    # nearly all of them, cost no index write.
    history = ChainedHistoricalRecords(no_db_index=["report", "addition"])

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "witnesses"

    def __str__(self) -> str:
        return self.name or "Unnamed witness"


class Evidence(models.Model):
    """An uploaded file. Stored under a random name in private storage, never in the web root."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="evidence")
    data_key = DataKeyField(source="report")
    file = models.FileField(upload_to="evidence/%Y/%m/", max_length=300)
    original_name = SealedTextField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = SealedTextField(max_length=500, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Raised by cases.services.record_evidence_download; each download is a history row with
    # the user who downloaded the file.
    download_count = models.PositiveIntegerField(default=0, editable=False)
    # Set when the person who filed the report added this file later (ReportAddition).
    addition = models.ForeignKey(
        "ReportAddition", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )

    history = ChainedHistoricalRecords(no_db_index=["addition"])

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_is_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ReportAddition(models.Model):
    """Something the person who filed a report added to it later, signed in with its tracking
    code and secret (intake/follow_up.py): more of their account, a correction, more evidence
    files, a witness. A new, dated part of the same report with its own history: what was sent
    first is never changed."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("More information")
        CORRECTION = "correction", _("A correction")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="additions")
    data_key = DataKeyField(source="report")
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.INFORMATION)
    # May be empty when the addition is only files or a witness.
    body = SealedTextField(blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    # Indexed by report: the case's timeline reads them so, and they are written only after a
    # report is filed, never by intake.
    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"Addition {self.pk} to report {self.report_id}"


class ReportMessage(models.Model):
    """One message between case workers and the person who filed a report: a question staff
    post from the case page or the API, or the person's answer, written while signed in to the
    report. The person needs no account or address: they read it on their next visit."""

    class Direction(models.TextChoices):
        TO_REPORTER = "to_reporter", _("Question to the person who reported")
        FROM_REPORTER = "from_reporter", _("Answer from the person who reported")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="messages")
    data_key = DataKeyField(source="report")
    direction = models.CharField(max_length=14, choices=Direction)
    # The case worker who asked; nobody for the person's answers.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = SealedTextField()
    # The question an answer answers.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    # When the person first opened their report after the question was posted. Delivery
    # bookkeeping, written without a history row, like Report.acknowledged_at.
    read_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Indexed by report, as the case's timeline reads them (messages are never written by
    # intake).
    history = ChainedHistoricalRecords(excluded_fields=["read_at"], no_db_index=["author"])

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="report_message_has_body"),
            models.CheckConstraint(
                condition=Q(direction="to_reporter", author__isnull=False)
                | Q(direction="from_reporter", author__isnull=True),
                name="report_message_author_matches_direction",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} on report {self.report_id}"


class SentSubmission(models.Model):
    """One send of a report, under the key its sender gave it, so that sending again gives the
    same receipt instead of a second report.

    The web form's key is its draft's id, fixed before the review page is shown; an API client's
    is its `Idempotency-Key` header. The unique `key_hash` is the guarantee: a second send of the
    same key, even at the same instant, waits for the first to commit and then finds this row.

    Only a hash of the key is stored, and the status secret is kept sealed with a key derived
    from it (intake/tracking.py): this table alone gives a reader no secret. Rows are deleted
    after INTAKE_IDEMPOTENCY_HOURS; a send after that is a new report.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    # A digest of what was sent: the same key with different content is refused, not replayed.
    fingerprint = models.CharField(max_length=64, blank=True)
    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, null=True, related_name="+"
    )
    sealed_secret = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Submission {self.key_hash[:12]}"
