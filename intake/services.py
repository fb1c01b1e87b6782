"""`submit_report`: the one way a report enters Rights Desk, whatever the channel."""

import dataclasses
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.encounter_codes import codes_value, refresh_encounter_codes
from cases.models import Case
from cases.priority import compute_priority
from cases.privacy import people_terms, search_projection_of_new_report
from cases.search import refresh_search_text, search_text_for
from cases.services import open_case, refresh_priority
from intake import evidence as evidence_files
from intake import reference, tracking
from intake.contact import acknowledge_report
from intake.events import ReportFiled
from intake.inputs import ReportSubmission, SourceInput
from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    Evidence,
    PerceivedBasis,
    Report,
    ReportFact,
    SentSubmission,
    Witness,
)
from plumbing import events
from plumbing.keys import store as key_store

DEFAULT_REASONS = {
    Report.Channel.WEB: "submitted via web form",
    Report.Channel.API: "submitted via API",
    Report.Channel.STAFF: "entered by staff",
    Report.Channel.PRESS: "recorded from a press report",
}
_TRACKING_CODE_ATTEMPTS = 5
# Reports filed by the public: they get an acknowledgement, and may be sent with a key.
PUBLIC_CHANNELS = (Report.Channel.WEB, Report.Channel.API)


@dataclass(frozen=True)
class Receipt:
    """What the person who filed gets back. The secret is stored hashed, and sealed for a day
    under the sender's key when they gave one (see `SentSubmission`)."""

    report: Report
    tracking_code: str
    secret: str
    # True when this send repeated an earlier one with the same key: no new report was written.
    replayed: bool = False


class SubmissionKeyReused(Exception):
    """The key was used before for a report with different content."""


class _AlreadySent(Exception):
    pass


def _reference_rows(
    model: type[EncounterKind] | type[Agency] | type[PerceivedBasis], codes: list[str], field: str
) -> list[Any]:
    """The rows of `codes`, in the model's order, from the tables kept in memory
    (intake/reference.py)."""
    wanted = set(codes)
    rows: list[Any] = (
        [row for code, row in reference.rows_by_code(model).items() if code in wanted]
        if codes
        else []
    )
    unknown = sorted(wanted - {row.code for row in rows})
    if unknown:
        raise ValidationError(
            {field: _("Unknown value: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return rows


def _clean(instance: models.Model, prefix: str, exclude: list[str]) -> None:
    """Field-level validation (lengths, choices, formats) without extra queries; the database's
    constraints back it up."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{prefix}.{name}": messages for name, messages in error.message_dict.items()}
        ) from error


def _title_for(kinds: list[EncounterKind], city: str) -> str:
    worst_first = sorted(kinds, key=lambda k: (-k.severity, k.sort_order))
    what = ", ".join(k.label for k in worst_first[:3]) or "Encounter"
    return f"{what}, {city}" if city else what


def submit_report(
    *,
    submission: ReportSubmission,
    channel: str,
    actor: Any = None,
    case: Case | None = None,
    title: str = "",
    reason: str = "",
    key: str = "",
) -> Receipt:
    """Write a report with its complainants, encounter, witnesses, evidence and facts, in one
    transaction, and open a case for it (or add it to `case`, for staff and press reports).
    A report from the public queues its acknowledgement in the same transaction.

    `key` makes the send idempotent: a second send with the same key, at the same instant or a
    day later, writes nothing and returns the first send's receipt (`replayed`), and one with
    different content raises SubmissionKeyReused.

    Raises ValidationError with a message per field; on any error nothing is written and no
    uploaded file is left behind. The receipt holds the status secret, shown to the person once.
    """
    if case is not None and channel in PUBLIC_CHANNELS:
        raise ValidationError(_("Public reports always open a case of their own."))
    reason = reason or DEFAULT_REASONS[Report.Channel(channel)]
    occurred_at = submission.encounter.occurred_at
    if occurred_at is not None and occurred_at > timezone.now():
        raise ValidationError({"encounter.occurred_at": _("The date cannot be in the future.")})
    for index, person in enumerate(submission.complainants):
        if person.is_anonymous and (person.name or person.email or person.phone):
            raise ValidationError(
                {
                    f"complainants.{index}": _(
                        "An anonymous report cannot include a name or contact."
                    )
                }
            )
    uploads = [item.file for item in submission.evidence]
    evidence_files.check_total_size(uploads)
    inspected = []
    for index, upload in enumerate(uploads):
        try:
            inspected.append(evidence_files.inspect_upload(upload))
        except ValidationError as error:
            raise ValidationError({f"evidence.{index}": error.messages}) from error

    fingerprint = _fingerprint(submission, inspected) if key else ""
    # The report's data key (and a new case's) is made first. Its write to the key store outside
    # the database (one write, flushed to disk) runs while the transaction does, which commits
    # only once it is done; a transaction rolled back leaves them orphans, which the daily purge
    # destroys.
    pending = key_store.create_keys_soon(1 if case is not None else 2)
    keys = pending.ids
    data_key, case_key = keys[0], (keys[1] if len(keys) > 1 else None)
    stored: list[str] = []
    for _attempt in range(2):
        try:
            # What this write tells the apps above it is delivered as its last statement (the
            # statistics tallies: their writers' turn is held only from there to commit).
            with transaction.atomic(), events.batched():
                sent = _claim(channel, key, fingerprint) if key else None
                receipt, complainants = _write(
                    submission, channel, actor, case, title, reason, inspected, stored,
                    (data_key, case_key),
                )
                if sent is not None:
                    sent.report = receipt.report
                    sent.sealed_secret = tracking.seal_secret(channel, key, receipt.secret)
                    sent.save(update_fields=["report", "sealed_secret"])
                if channel in PUBLIC_CHANNELS:
                    acknowledge_report(report=receipt.report, complainants=complainants)
                pending.wait()
            return receipt
        except _AlreadySent:
            replay = _replay(channel, key, fingerprint)
            if replay is not None:
                return replay
            # The first send was rolled back after this one saw its key: try once more.
        except BaseException:
            evidence_files.delete_stored(stored)
            raise
    raise IntegrityError("The same submission key was claimed twice and never written.")


def _claim(channel: str, key: str, fingerprint: str) -> SentSubmission:
    """Take the key for this transaction. A send of the same key that is still running holds
    the unique index entry: this insert waits for it to commit (then fails) or roll back."""
    try:
        with transaction.atomic():
            return SentSubmission.objects.create(
                key_hash=tracking.submission_key_hash(channel, key), fingerprint=fingerprint
            )
    except IntegrityError as error:
        raise _AlreadySent from error


def sent_receipt(*, channel: str, key: str) -> Receipt | None:
    """The receipt of the report sent with `key`, or None when none was (or it was forgotten)."""
    receipt, _fingerprint = _sent(channel, key)
    return receipt


def _replay(channel: str, key: str, fingerprint: str) -> Receipt | None:
    receipt, sent_fingerprint = _sent(channel, key)
    if receipt is not None and sent_fingerprint != fingerprint:
        raise SubmissionKeyReused
    return receipt


def _sent(channel: str, key: str) -> tuple[Receipt | None, str]:
    sent = (
        SentSubmission.objects.select_related("report")
        .filter(key_hash=tracking.submission_key_hash(channel, key), report__isnull=False)
        .first()
    )
    if sent is None or sent.report is None:
        return None, ""
    receipt = Receipt(
        report=sent.report,
        tracking_code=sent.report.tracking_code,
        secret=tracking.open_secret(channel, key, sent.sealed_secret),
        replayed=True,
    )
    return receipt, sent.fingerprint


def _fingerprint(
    submission: ReportSubmission, inspected: list[evidence_files.InspectedFile]
) -> str:
    """A digest of everything sent: the answers, and each file by its content's hash."""

    def plain(value: object) -> object:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return vars(value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)

    answers = {
        f.name: getattr(submission, f.name)
        for f in dataclasses.fields(submission)
        if f.name != "evidence"
    }
    files = [
        (checked.sha256, item.description)
        for item, checked in zip(submission.evidence, inspected, strict=True)
    ]
    text = json.dumps([answers, files], default=plain, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def forget_sent_submissions(*, older_than_hours: int | None = None) -> int:
    """Delete the keys (and sealed secrets) of sends older than INTAKE_IDEMPOTENCY_HOURS."""
    hours = older_than_hours if older_than_hours is not None else settings.INTAKE_IDEMPOTENCY_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = SentSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def press_citation(source: SourceInput) -> dict[str, Any]:
    """The report fields that cite a press source: what people need to find the article."""
    return {
        "source_headline": source.headline,
        "source_outlet": source.outlet,
        "source_author": source.author,
        "source_published_on": source.published_on,
        "source_url": source.url,
        "source_citation_checked": source.checked,
    }


@transaction.atomic
def cite_press_source(*, report: Report, source: SourceInput, reason: str) -> Report:
    """Bring the citation of press report `report` up to `source` (its file stays as it is),
    with a history row saying why. Nothing is written when the citation is already that."""
    citation = press_citation(source)
    if report.channel != Report.Channel.PRESS:
        raise ValidationError("Only a press report cites a press source.")
    if all(getattr(report, name) == value for name, value in citation.items()):
        return report
    for name, value in citation.items():
        setattr(report, name, value)
    _clean(report, "report", exclude=["case", "submitted_by", "tracking_code"])
    _save_with(report, {"_history_user": None, "_change_reason": reason})
    return report


def _write(
    submission: ReportSubmission,
    channel: str,
    actor: Any,
    case: Case | None,
    title: str,
    reason: str,
    inspected: list[evidence_files.InspectedFile],
    stored: list[str],
    keys: tuple[uuid.UUID, uuid.UUID | None],
) -> tuple[Receipt, list[Complainant]]:
    """The writes of `submit_report`; the receipt, and the complainants as written."""
    data_key, case_key = keys
    history = {"_history_user": actor, "_change_reason": reason}
    enc = submission.encounter
    kinds = _reference_rows(EncounterKind, list(enc.kind_codes), "encounter.kinds")
    agencies = _reference_rows(Agency, list(enc.agency_codes), "encounter.agencies")
    bases = _reference_rows(
        PerceivedBasis, list(enc.perceived_basis_codes), "encounter.perceived_basis"
    )
    secret = "" if channel == Report.Channel.PRESS else tracking.new_secret()
    source = submission.source
    report = Report(
        case=case,
        channel=channel,
        language=submission.language,
        narrative=submission.narrative.strip(),
        consent_to_contact=submission.consent_to_contact,
        consent_to_share_with_liaison=submission.consent_to_share_with_liaison,
        submitted_at=submission.submitted_at or timezone.now(),
        submitted_by=actor,
        external_id=submission.external_id,
        secret_hash=tracking.hash_secret(secret) if secret else "",
        source_file=source.file if source else "",
        **(press_citation(source) if source else {}),
        tracking_code=tracking.new_tracking_code(),
        data_key=data_key,
    )
    _clean(report, "report", exclude=["case", "submitted_by", "tracking_code"])
    encounter = Encounter(
        report=report,
        **{
            name: getattr(enc, name)
            for name in (
                "occurred_at",
                "occurred_at_is_approximate",
                "address",
                "city",
                "state",
                "latitude",
                "longitude",
                "agent_count",
                "vehicle_count",
                "vehicle_description",
                "plates",
                "agents_identified",
                "perceived_basis_other",
                "injuries",
                "outcome",
            )
        },
    )
    _clean(encounter, "encounter", exclude=["report"])
    complainants = [Complainant(report=report, **vars(one)) for one in submission.complainants]
    witnesses = [Witness(report=report, **vars(one)) for one in submission.witnesses]
    facts = [ReportFact(report=report, **vars(one)) for one in submission.facts]
    for prefix, rows in (("complainants", complainants), ("witnesses", witnesses),
                         ("facts", facts)):
        for index, row in enumerate(rows):
            _clean(row, f"{prefix}.{index}", exclude=["report"])
    file_names = [
        (getattr(item.file, "name", "") or "upload")[:255] for item in submission.evidence
    ]

    new_case = case is None
    if case is not None:
        # Locked until commit: its priority and counts move with this report.
        case = Case.objects.select_for_update().get(pk=case.pk)
    else:
        # Opened with the search text and codes that refresh_search_text and
        # refresh_encounter_codes would read back once the report is written, made from the
        # rows about to be written: the case's row is written once.
        case_title = (title or _title_for(kinds, enc.city))[:200]
        names, phrases = people_terms(
            complainants=complainants,
            witnesses=witnesses,
            address=encounter.address,
            file_names=file_names,
        )
        case = open_case(
            title=case_title,
            priority=compute_priority(kind.severity for kind in kinds),
            actor=actor,
            reason=reason,
            data_key=case_key,
            search_text=search_text_for(
                title=case_title,
                # Not written yet, so without an id: a new report's projection shows all of
                # it or none of it, whatever its id.
                reports=[(None, report.narrative, encounter)],
                projection=search_projection_of_new_report(
                    report=report, names=names, phrases=phrases
                ),
            ),
            kind_codes=codes_value(kind.code for kind in kinds),
            agency_codes=codes_value(agency.code for agency in agencies),
        )
    report.case = case
    _insert_with_unique_code(report, history)
    _save_with(encounter, history)
    _link(encounter, "kinds", kinds)
    _link(encounter, "agencies", agencies)
    _link(encounter, "perceived_basis", bases)
    events.publish(
        ReportFiled(
            occurred_at=encounter.occurred_at,
            city=encounter.city,
            kinds=tuple(kind.code for kind in kinds),
            agencies=tuple(agency.code for agency in agencies),
            bases=tuple(basis.code for basis in bases),
        )
    )
    for rows in (complainants, witnesses, facts):
        _insert_all(rows, actor=actor, reason=reason)
    for item, checked, original_name in zip(
        submission.evidence, inspected, file_names, strict=True
    ):
        name = evidence_files.store_file(item.file, checked, key_id=data_key)
        stored.append(name)
        row = Evidence(
            report=report,
            file=name,
            original_name=original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            description=item.description,
        )
        _save_with(row, history)

    if not new_case:
        refresh_priority(case=case, actor=actor, reason=f"Report {report.tracking_code} added")
        refresh_search_text([case.pk])
        refresh_encounter_codes([case.pk])
    receipt = Receipt(report=report, tracking_code=report.tracking_code, secret=secret)
    return receipt, complainants


def _link(encounter: Encounter, name: str, rows: list[Any]) -> None:
    """Link a new encounter to reference rows in one INSERT (`.set()` would first read the
    links a new encounter cannot have). Not history-tracked: see docs/architecture.md."""
    if not rows:
        return
    field = Encounter._meta.get_field(name)
    through = field.remote_field.through  # type: ignore[union-attr]
    target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
    through.objects.bulk_create([through(encounter=encounter, **{target: row}) for row in rows])


def _insert_all(rows: list[Any], *, actor: Any, reason: str) -> None:
    """Insert rows of one model and their history rows: two queries however many rows."""
    if not rows:
        return
    model = type(rows[0])
    model.objects.bulk_create(rows)
    for row in rows:
        # As _save_with does: the actor, even None (the public), never the request's user.
        row._history_user = actor
    model.history.bulk_history_create(
        rows, default_user=actor, default_change_reason=reason
    )


def _save_with(instance: models.Model, history: dict[str, Any]) -> None:
    for attribute, value in history.items():
        setattr(instance, attribute, value)
    instance.save()


def _insert_with_unique_code(report: Report, history: dict[str, Any]) -> None:
    """Tracking codes are random; on the rare collision, draw again (in a savepoint, so the
    surrounding transaction survives the failed insert)."""
    for _attempt in range(_TRACKING_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                _save_with(report, history)
            return
        except IntegrityError:
            if Report.objects.filter(tracking_code=report.tracking_code).exists():
                report.tracking_code = tracking.new_tracking_code()
                report.pk = None
                continue
            raise
    raise IntegrityError("Could not draw an unused tracking code.")
