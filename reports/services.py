"""The only ways a `Document` changes: asked for, rendered by a worker, failed, swept, downloaded.

Every function is keyword-only, saves with the history row's user and reason, and decides
access through reports/access.py. The life of a document:

1. `request_document` / `request_statistics_document` (in the request): check access, write
   the row `queued`, and hand its id to the broker once that transaction has committed. A
   broker that cannot be reached does not fail the request: the row stays queued and
   `sweep_stale_documents` hands it over again later.
2. `render_document` (in a worker, via reports.tasks): lock the row, count the attempt, mark it
   `rendering` and commit; render with no transaction open; store the PDF under a random name
   in private storage and mark the row `ready` with its hash, pages and size. A task delivered
   twice renders once. Workers that die mid-render make the broker deliver the task again,
   which Celery's `max_retries` does not count, so the row counts its own attempts and gives up
   after `Document.MAX_ATTEMPTS`.
3. Permanent errors mark the row `failed` with a short description that never quotes the error
   (rendering errors can contain the document's text, which is personal data). Transient
   errors (database or broker hiccups) propagate, and the task retries them with backoff.

Test hook: `settings.RENDER_TEST_DELAY_SECONDS` (defined only in config/settings/test.py, read
from the environment there) makes `render_document` sleep that long before rendering, so the
worker tests can kill a worker in the middle of a render. Production settings do not define it.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases.access import visible_cases
from cases.models import Case
from reports.access import may_download, may_export, visible_documents
from reports.models import Document, StatisticsSnapshot

logger = logging.getLogger(__name__)

User = AbstractBaseUser | AnonymousUser

# Faults that pass on their own: the render task retries them with backoff (reports/tasks.py).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    ConnectionError,
)
# What handing a message to an unreachable broker raises.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)

CASE_FILE_KINDS = (Document.Kind.CASE_FILE, Document.Kind.REDACTED_CASE_FILE)

# The function that renders each kind, called as `render(document=document)`; each returns an
# object with `.pdf` (bytes) and `.pages` (int). Imported when first needed, in the worker.
RENDERERS: dict[str, str] = {
    Document.Kind.CASE_FILE: "reports.rendering.render_case_file",
    Document.Kind.REDACTED_CASE_FILE: "reports.rendering.render_case_file",
    Document.Kind.STATISTICS: "reports.statistics.render_statistics_pdf",
}

# A row re-queued because its worker died is only swept once the hard time limit has surely
# killed whatever was still rendering it; this much on top of the limit.
RENDERING_GRACE_SECONDS = 60


class Rendered(Protocol):
    pdf: bytes
    pages: int


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    ROLE_NOT_PERMITTED = "role_not_permitted"
    CASE_MERGED = "case_merged"
    NOT_READY = "document_not_ready"
    INVALID_KIND = "invalid_kind"


class DocumentError(Exception):
    """A refusal, with a stable `code` for the API and a message a person can read."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _save(document: Document, *, actor: User | None, reason: str) -> None:
    """Save with the history row's user (None: the system, in a worker) and reason."""
    document._history_user = actor  # type: ignore[attr-defined]
    document._change_reason = reason  # type: ignore[attr-defined]
    document.save()


def _locked(document_id: int) -> Document | None:
    return Document.objects.select_for_update().filter(pk=document_id).first()


def case_not_found() -> DocumentError:
    """The one refusal for a case that is missing and a case the user may not see."""
    return DocumentError(ErrorCode.NOT_FOUND, _("No case you may see has this reference."))


def document_not_found() -> DocumentError:
    """The one refusal for a document that is missing, one the user may not see, and one whose
    file their role may not have."""
    return DocumentError(ErrorCode.NOT_FOUND, _("No document you may see has this id."))


# --- Asking ----------------------------------------------------------------------------------


def _enqueue(document_id: int) -> bool:
    """Hand the document to the broker. When the broker cannot be reached this logs and returns
    False: the row stays queued, with no `enqueued_at`, and the next sweep hands it over."""
    from reports.tasks import render_document_task

    try:
        render_document_task.delay(document_id)
    except BROKER_ERRORS as error:
        logger.warning(
            "Document %s stays queued: the broker could not be reached (%s).",
            document_id,
            type(error).__name__,
        )
        # A bookkeeping time, not a change of state: no history row.
        Document.objects.filter(pk=document_id, status=Document.Status.QUEUED).update(
            enqueued_at=None
        )
        return False
    except Exception as error:
        # Only in-process (the embedded default) does the render itself run inside delay();
        # its failure must not turn the request that asked for it into an error page.
        if not render_document_task.app.conf.task_always_eager:
            raise
        logger.warning(
            "Document %s could not be rendered in-process (%s); it stays for the sweep.",
            document_id,
            type(error).__name__,
        )
        return False
    return True


def _queue(document: Document, *, actor: User | None, reason: str) -> Document:
    """Save `document` queued and enqueue it once the surrounding transaction commits."""
    document.status = Document.Status.QUEUED
    document.enqueued_at = timezone.now()
    _save(document, actor=actor, reason=reason)
    transaction.on_commit(partial(_enqueue, document.pk))
    return document


@transaction.atomic
def request_document(*, case: Case, kind: str, actor: User) -> Document:
    """Ask for a full or redacted case file of `case`; it is rendered by a worker.

    A case `actor` may not see is refused exactly like a missing one (NOT_FOUND). The full file
    needs `cases.export_full_case_file`, the redacted one `cases.export_redacted_case_file`
    (ROLE_NOT_PERMITTED). Returns the queued row; the broker gets it after commit.
    """
    if kind not in CASE_FILE_KINDS:
        raise DocumentError(ErrorCode.INVALID_KIND, _("Not a kind of case file."))
    visible = visible_cases(actor).filter(pk=case.pk).select_related("merged_into").first()
    if visible is None:
        raise case_not_found()
    case = visible
    if not may_export(actor, kind):
        raise DocumentError(
            ErrorCode.ROLE_NOT_PERMITTED, _("Your role may not export this kind of case file.")
        )
    if case.merged_into_id is not None:
        raise DocumentError(
            ErrorCode.CASE_MERGED,
            _("%(reference)s was merged into %(survivor)s; ask for that case's file instead.")
            % {"reference": case.reference, "survivor": case.merged_into.reference},  # type: ignore[union-attr]
        )
    document = Document(kind=kind, case=case, requested_by=actor)
    return _queue(document, actor=actor, reason=f"{document.get_kind_display()} requested")


@transaction.atomic
def request_statistics_document(*, snapshot: StatisticsSnapshot, actor: User) -> Document:
    """Ask for the PDF of a statistics snapshot (needs `cases.view_statistics`); rendered by a
    worker like a case file."""
    if not may_export(actor, Document.Kind.STATISTICS):
        raise DocumentError(
            ErrorCode.ROLE_NOT_PERMITTED, _("Your role may not export statistics.")
        )
    document = Document(kind=Document.Kind.STATISTICS, snapshot=snapshot, requested_by=actor)
    return _queue(document, actor=actor, reason="Statistics export requested")


# --- Rendering (in a worker) -----------------------------------------------------------------


def describe_failure(error: BaseException) -> str:
    """A short account of a failure for the row's `error`. It never quotes the exception's
    message, which may contain the document's text: the class name says enough to look in the
    worker's log for the time of the failure."""
    if type(error).__name__ in ("SoftTimeLimitExceeded", "TimeLimitExceeded"):
        return _("Rendering took longer than the time limit.")
    return _("Rendering failed (%(kind)s).") % {"kind": type(error).__name__}


def _start(document_id: int) -> Document | None:
    """Claim the row for one attempt and commit that before rendering, so the attempt is counted
    even if this process dies. None when there is nothing to do."""
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.status in (
            Document.Status.READY,
            Document.Status.FAILED,
        ):
            return None  # already done (a second delivery) or given up on
        if document.attempts >= Document.MAX_ATTEMPTS:
            _fail(document, f"Gave up after {document.attempts} attempts.")
            return None
        document.status = Document.Status.RENDERING
        document.attempts += 1
        document.started_at = timezone.now()
        document.finished_at = None
        document.error = ""
        _save(
            document,
            actor=None,
            reason=f"Rendering (attempt {document.attempts} of {Document.MAX_ATTEMPTS})",
        )
    return document


def _renderer(kind: str) -> Callable[..., Rendered]:
    return import_string(RENDERERS[kind])  # type: ignore[no-any-return]


def _store(document_id: int, rendered: Rendered) -> Document | None:
    """Write the PDF under a random name, then mark the row ready, unless another delivery got
    there first, in which case this copy is deleted and theirs kept."""
    pdf = bytes(rendered.pdf)
    name = Document.file.field.generate_filename(None, f"{secrets.token_hex(16)}.pdf")
    name = default_storage.save(name, ContentFile(pdf))
    kept = False
    try:
        with transaction.atomic():
            document = _locked(document_id)
            if document is None or document.status != Document.Status.RENDERING:
                return document
            document.file.name = name
            document.sha256 = hashlib.sha256(pdf).hexdigest()
            document.size = len(pdf)
            document.pages = rendered.pages
            document.status = Document.Status.READY
            document.finished_at = timezone.now()
            document.error = ""
            _save(document, actor=None, reason=f"Rendered: {rendered.pages} pages")
            kept = True
        return document
    finally:
        if not kept:
            default_storage.delete(name)


def _test_delay() -> None:
    delay = float(getattr(settings, "RENDER_TEST_DELAY_SECONDS", 0) or 0)
    if delay > 0:
        time.sleep(delay)


def render_document(*, document_id: int) -> Document | None:
    """Render the document with this id and store it; idempotent (see the module docstring).

    Transient errors propagate for the task to retry; any other error marks the row failed
    with a short description. Returns the row as it ends, or None if there is no such row.
    """
    document = _start(document_id)
    if document is None:
        return Document.objects.filter(pk=document_id).first()
    try:
        _test_delay()
        rendered = _renderer(document.kind)(document=document)
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        # The class only: the message and traceback may quote the document's content.
        logger.error(
            "Document %s could not be rendered: %s", document_id, type(error).__name__
        )
        return fail_document(document_id=document_id, error=describe_failure(error))
    return _store(document_id, rendered)


def _fail(document: Document, error: str) -> Document:
    document.status = Document.Status.FAILED
    document.error = error[:500]
    document.finished_at = timezone.now()
    _save(document, actor=None, reason=f"Failed: {document.error}")
    return document


@transaction.atomic
def fail_document(*, document_id: int, error: str) -> Document | None:
    """Mark the document failed with `error` (short, no content), unless it is already ready
    or failed. Called by the render task's on_failure hook and by `render_document`."""
    document = _locked(document_id)
    if document is None or document.status in (Document.Status.READY, Document.Status.FAILED):
        return document
    return _fail(document, error)


def _stale(now: datetime) -> Q:
    queued_before = now - timedelta(seconds=settings.REPORTS_REQUEUE_AFTER_SECONDS)
    rendering_before = now - timedelta(
        seconds=settings.CELERY_TASK_TIME_LIMIT + RENDERING_GRACE_SECONDS
    )
    never_handed_over = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=queued_before)
    worker_gone = Q(started_at__isnull=True) | Q(started_at__lt=rendering_before)
    return (Q(status=Document.Status.QUEUED) & never_handed_over) | (
        Q(status=Document.Status.RENDERING) & worker_gone
    )


def sweep_stale_documents() -> list[int]:
    """Hand stale documents to the broker again (run every few minutes by Celery beat):

    - queued ones never handed over (the broker was down) or handed over longer ago than
      `REPORTS_REQUEUE_AFTER_SECONDS` (the message was lost);
    - rendering ones started longer ago than the hard time limit allows: whatever was
      rendering them has been killed. They go back to queued; their attempts still count.

    A document handed over twice is rendered once (render_document is idempotent). Returns the
    ids handed over.
    """
    now = timezone.now()
    stale = _stale(now)
    ids = list(Document.objects.filter(stale).order_by("pk").values_list("pk", flat=True)[:500])
    swept = []
    for document_id in ids:
        with transaction.atomic():
            document = Document.objects.select_for_update().filter(stale, pk=document_id).first()
            if document is None:
                continue
            reason = (
                "Queued again: the worker rendering it stopped"
                if document.status == Document.Status.RENDERING
                else "Queued again: the broker never delivered it"
            )
            _queue(document, actor=None, reason=reason)
        swept.append(document_id)
    if swept:
        logger.info("Swept %s stale documents back to the broker.", len(swept))
    return swept


# --- Reading ---------------------------------------------------------------------------------


def get_document(*, document_id: int, actor: User) -> Document:
    """The document, if `actor` may see its state; NOT_FOUND for one that is missing and one
    that is not theirs alike."""
    document = (
        visible_documents(actor)
        .select_related("case", "requested_by")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise document_not_found()
    return document


def case_documents(*, case: Case, actor: User, limit: int = 50) -> list[Document]:
    """The documents of `case` whose state `actor` may see, newest first. NOT_FOUND when they
    may not see the case."""
    if not visible_cases(actor).filter(pk=case.pk).exists():
        raise case_not_found()
    documents = visible_documents(actor).filter(case_id=case.pk).select_related(
        "case", "requested_by"
    )
    return list(documents.order_by("-requested_at", "-pk")[:limit])


@transaction.atomic
def record_download(*, document: Document, actor: User) -> Document:
    """Check that `actor` may have the file of `document` and count the download in its
    history ("Downloaded", by `actor`). NOT_FOUND when they may not (the same answer as a
    missing document), NOT_READY while it is not ready. Returns the row to serve."""
    if not may_download(actor, document):
        raise document_not_found()
    locked = _locked(document.pk)
    if locked is None:
        raise document_not_found()
    if locked.status != Document.Status.READY:
        raise DocumentError(ErrorCode.NOT_READY, _("This document is not ready yet."))
    locked.download_count += 1
    _save(locked, actor=actor, reason="Downloaded")
    return locked
