"""After sending: the person who filed a report adds to it and answers our questions.

They sign in with the report's tracking code and secret (intake/reporter_session.py), with no
account and no e-mail address, and everything they send here becomes a new, dated part of the
same report with its own history (`ReportAddition`, `ReportMessage`): what they sent first is
never changed. Staff post the questions (`cases.services.ask_reporter`); the answers reach the
case timeline through the same reader projection as everything else of a case.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from cases.search import refresh_search_text
from intake import evidence as evidence_files
from intake.inputs import EvidenceInput, WitnessInput
from intake.keys import report_key
from intake.models import Evidence, Report, ReportAddition, ReportMessage, Witness

# The history reason of everything the person adds: who wrote it is never a user account.
ADDED_BY_REPORTER = "added by the person who reported it"
ANSWERED_BY_REPORTER = "answered by the person who reported it"
MAX_TEXT = 20000


@dataclass(frozen=True)
class Conversation:
    """A question from staff and the person's answers to it, oldest first."""

    question: ReportMessage
    answers: list[ReportMessage]


def conversation(*, report: Report) -> list[Conversation]:
    """The questions posted to the person who filed `report`, each with its answers (one
    query)."""
    messages = list(ReportMessage.objects.filter(report=report).order_by("sent_at", "pk"))
    answers: dict[int, list[ReportMessage]] = {}
    for message in messages:
        if message.reply_to_id is not None:
            answers.setdefault(message.reply_to_id, []).append(message)
    return [
        Conversation(question=message, answers=answers.get(message.pk, []))
        for message in messages
        if message.direction == ReportMessage.Direction.TO_REPORTER
    ]


def additions_of(*, report: Report) -> list[ReportAddition]:
    """What the person added to `report`, with its files and witnesses (three queries)."""
    return list(
        ReportAddition.objects.filter(report=report)
        .prefetch_related("evidence", "witnesses")
        .order_by("added_at", "pk")
    )


def mark_questions_read(*, report: Report) -> int:
    """Note when the person first saw each question, so staff know it reached them. Delivery
    bookkeeping, not a change to the report: no history row."""
    return ReportMessage.objects.filter(
        report=report, direction=ReportMessage.Direction.TO_REPORTER, read_at__isnull=True
    ).update(read_at=timezone.now())


def _touch_case(report: Report) -> None:
    """What the person sent is searchable, and the case shows it changed."""
    Case.objects.filter(pk=report.case_id).update(updated_at=timezone.now())
    refresh_search_text([report.case_id])


def add_to_report(
    *,
    report: Report,
    kind: str = ReportAddition.Kind.INFORMATION,
    body: str = "",
    evidence: Sequence[EvidenceInput] = (),
    witness: WitnessInput | None = None,
) -> ReportAddition:
    """Add more of the account, a correction, files and a witness to `report`, as one dated
    addition, in one transaction. Files are checked as at intake (type from their bytes, size
    limits per file and for the addition) and stored under random names; on any error nothing
    is written and no file is left behind.

    Raises ValidationError with a message per field.
    """
    body = body.strip()
    if kind not in ReportAddition.Kind.values:
        raise ValidationError({"kind": _("Choose what you are adding.")})
    if len(body) > MAX_TEXT:
        raise ValidationError(
            {"body": _("Write at most %(count)d characters.") % {"count": MAX_TEXT}}
        )
    has_witness = witness is not None and any(
        (witness.name.strip(), witness.contact.strip(), witness.statement.strip())
    )
    if not (body or evidence or has_witness):
        raise ValidationError(
            {"body": _("Write what you want to add, or add a file or a witness.")}
        )
    if len(evidence) > settings.INTAKE_MAX_EVIDENCE_FILES:
        raise ValidationError(
            {
                "evidence": _("You can add up to %(count)d files at a time.")
                % {"count": settings.INTAKE_MAX_EVIDENCE_FILES}
            }
        )
    uploads = [item.file for item in evidence]
    try:
        evidence_files.check_total_size(uploads)
    except ValidationError as error:
        raise ValidationError({"evidence": error.messages}) from error
    inspected = []
    for upload in uploads:
        try:
            inspected.append(evidence_files.inspect_upload(upload))
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from error

    stored: list[str] = []
    key = report_key(report)
    try:
        with transaction.atomic():
            addition = ReportAddition(report=report, kind=kind, body=body)
            _save(addition, ADDED_BY_REPORTER)
            if has_witness and witness is not None:
                row = Witness(report=report, addition=addition, **vars(witness))
                try:
                    row.full_clean(exclude=["report", "addition"], validate_constraints=False)
                except ValidationError as error:
                    raise ValidationError(
                        {f"witness.{name}": m for name, m in error.message_dict.items()}
                    ) from error
                _save(row, ADDED_BY_REPORTER)
            for item, checked in zip(evidence, inspected, strict=True):
                name = evidence_files.store_file(item.file, checked, key_id=key)
                stored.append(name)
                _save(
                    Evidence(
                        report=report,
                        addition=addition,
                        file=name,
                        original_name=(getattr(item.file, "name", "") or "upload")[:255],
                        content_type=checked.content_type,
                        size=checked.size,
                        sha256=checked.sha256,
                        description=item.description[:500],
                    ),
                    ADDED_BY_REPORTER,
                )
            _touch_case(report)
    except BaseException:
        evidence_files.delete_stored(stored)
        raise
    return addition


@transaction.atomic
def answer_question(*, report: Report, question_id: int, body: str) -> ReportMessage:
    """The person's answer to a question staff posted on their report. A question of another
    report is refused exactly like one that does not exist."""
    body = body.strip()
    question = (
        ReportMessage.objects.filter(
            pk=question_id, report=report, direction=ReportMessage.Direction.TO_REPORTER
        )
        .only("pk")
        .first()
    )
    if question is None:
        raise ValidationError({"question": _("This question is not on your report.")})
    if not body:
        raise ValidationError({"body": _("Write your answer.")})
    if len(body) > MAX_TEXT:
        raise ValidationError(
            {"body": _("Write at most %(count)d characters.") % {"count": MAX_TEXT}}
        )
    answer = ReportMessage(
        report=report,
        direction=ReportMessage.Direction.FROM_REPORTER,
        body=body,
        reply_to=question,
    )
    _save(answer, ANSWERED_BY_REPORTER)
    _touch_case(report)
    return answer


def unanswered_count(*, report: Report) -> int:
    """Questions on `report` the person has not answered yet."""
    return (
        ReportMessage.objects.filter(report=report, direction=ReportMessage.Direction.TO_REPORTER)
        .exclude(Q(replies__isnull=False))
        .count()
    )


def _save(instance: Evidence | ReportAddition | ReportMessage | Witness, reason: str) -> None:
    # The person is not a user: the history row names nobody, and says why.
    instance._history_user = None  # type: ignore[union-attr]
    instance._change_reason = reason  # type: ignore[union-attr]
    instance.save()
