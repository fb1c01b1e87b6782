"""The only ways a `Document` changes: asked for, rendered by a worker, failed, swept, downloaded.

Every function is keyword-only, saves with the history row's user and reason, and decides
access through reports/access.py. The life of a document:

1. `request_document` / `request_statistics_document` (in the request): check access, write
   the row `queued` with a deadline by which a worker should have claimed it, and publish its
   render through the outbox (plumbing/outbox) in the same transaction. A broker that cannot
   be reached does not fail the request: the outbox's relay hands the message over once the
   broker is back.
2. `render_document` (in a worker, via reports.tasks): lock the row, count the attempt, take
   a lease on it (reports/leases.py: a new token, this process as its holder, a deadline) and
   commit `rendering`; render with no transaction open while a heartbeat thread renews the
   lease; store the PDF under the claim's random name in private storage and mark the row
   `ready` with its hash, pages and size, in a transaction that first checks the claim is
   still this one's. A task delivered twice renders once; a delivery that finds another live
   process rendering the row leaves it to that process. The row counts its own attempts (a
   redelivery after a lost worker bypasses Celery's `max_retries`) and gives up after
   `Document.MAX_ATTEMPTS`.
3. Permanent errors mark the row `failed` with a short description that never quotes the error
   (rendering errors can contain the document's text, which is personal data). Transient
   errors (database or broker hiccups) hand the row back to the queue and propagate, and the
   task retries them with backoff.
4. `sweep_stale_documents` (beat, every `REPORTS_SWEEP_SECONDS`): a row whose lease lapsed, a
   render whose process stopped renewing it or a queued row no worker claimed in time, goes
   back to the broker, or to `failed` once its attempts are spent.

Test hook: `settings.RENDER_TEST_DELAY_SECONDS` (defined only in config/settings/test.py and,
for the recovery benchmark, config/settings/bench.py, read from the environment there) makes
`render_document` sleep that long before rendering, so a worker can be killed in the middle of
a render. Production settings do not define it.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

import kombu.exceptions
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases.access import visible_cases
from cases.audit import heads_digest
from cases.models import Case
from plumbing.outbox.services import publish
from reports import document_files, leases
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

CASE_FILE_KINDS = (Document.Kind.CASE_FILE, Document.Kind.REDACTED_CASE_FILE)
UNFINISHED = (Document.Status.QUEUED, Document.Status.RENDERING)

# The function that renders each kind, called as `render(document=document)`; each returns an
# object with `.pdf` (bytes) and `.pages` (int). Imported when first needed, in the worker.
RENDERERS: dict[str, str] = {
    Document.Kind.CASE_FILE: "reports.rendering.render_case_file",
    Document.Kind.REDACTED_CASE_FILE: "reports.rendering.render_case_file",
    Document.Kind.STATISTICS: "reports.statistics_exports.render_statistics_pdf",
}

# The task that renders a document, published by name (reports.tasks imports this module; the
# outbox finds the task in Celery's registry, which reports.apps fills when Django starts).
RENDER_TASK = "reports.tasks.render_document_task"


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


def _queue(document: Document, *, actor: User | None, reason: str) -> Document:
    """Save `document` queued, with the time by which a worker should have claimed it, and
    publish its render through the outbox in the same transaction: the message exists exactly
    when the row does, goes to the broker after the commit, and waits for the relay while the
    broker is down. The last claim's token stays: until another claim replaces it, a render of
    that claim that finishes late is still stored."""
    document.status = Document.Status.QUEUED
    document.enqueued_at = timezone.now()
    document.lease_expires_at = leases.lease_deadline(settings.REPORTS_REQUEUE_AFTER_SECONDS)
    document.lease_holder = ""
    _save(document, actor=actor, reason=reason)
    publish(RENDER_TASK, document.pk)
    return document


@transaction.atomic
def request_document(*, case: Case, kind: str, actor: Any) -> Document:
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
def request_statistics_document(*, snapshot: StatisticsSnapshot, actor: Any) -> Document:
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


@dataclass(frozen=True)
class Claim:
    """One attempt's hold on a document: the row as claimed, the token its renewals and final
    write must still find on the row, and where it stores its PDF."""

    document: Document
    token: str
    file_name: str


def _held_elsewhere(document: Document) -> bool:
    """Another process is rendering the row and may still finish: its lease has not lapsed and
    its holder is neither this process (which renders one document at a time, as the prefork
    pool runs them, so a lease of its own is left over from an attempt that ended) nor a
    process of this host that has died."""
    return (
        document.status == Document.Status.RENDERING
        and document.lease_expires_at is not None
        and document.lease_expires_at > timezone.now()
        and document.lease_holder != leases.this_process()
        and not leases.holder_is_gone(document.lease_holder)
    )


def _lost_attempt_file(document: Document) -> str | None:
    """Where the row's last claim would have stored its PDF, unless that is the row's file: a
    file there belongs to an attempt that never recorded it (cut off between writing the file
    and marking the row), and nothing else will ever point at it."""
    if not document.lease_token or document.started_at is None:
        return None
    name = leases.attempt_file_name(started_at=document.started_at, token=document.lease_token)
    return None if name == document.file.name else name


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError as error:
        logger.warning("A lost attempt's file could not be deleted (%s).", type(error).__name__)


def _claim(document_id: int) -> Claim | None:
    """Claim the row for one attempt and commit that before rendering, so the attempt is counted
    even if this process dies. None when there is nothing to do: finished, given up, or being
    rendered by another live process."""
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.status not in UNFINISHED:
            return None  # already done (a second delivery) or given up on
        if _held_elsewhere(document):
            logger.info(
                "Document %s is being rendered by %s; this delivery leaves it to that process.",
                document_id,
                document.lease_holder,
            )
            return None
        lost_file = _lost_attempt_file(document)
        if lost_file:
            transaction.on_commit(partial(_delete_file, lost_file))
        if document.attempts >= Document.MAX_ATTEMPTS:
            _fail(document, f"Gave up after {document.attempts} attempts.")
            return None
        document.status = Document.Status.RENDERING
        document.attempts += 1
        document.started_at = timezone.now()
        document.finished_at = None
        document.error = ""
        document.lease_token = secrets.token_hex(16)
        document.lease_holder = leases.this_process()
        document.lease_expires_at = leases.lease_deadline()
        _save(
            document,
            actor=None,
            reason=f"Rendering (attempt {document.attempts} of {Document.MAX_ATTEMPTS})",
        )
    return Claim(
        document=document,
        token=document.lease_token,
        file_name=leases.attempt_file_name(
            started_at=document.started_at, token=document.lease_token
        ),
    )


def _still_ours(document: Document, claim: Claim) -> bool:
    """No other claim has taken the row since `claim` and it is not finished. A row the sweep
    handed back to the queue (the lease lapsed while this process was slow, or cut off from the
    database) is still this claim's until another claim takes it, so a late render is kept
    rather than done again."""
    return document.lease_token == claim.token and document.status in UNFINISHED


def _renderer(kind: str) -> Callable[..., Rendered]:
    return import_string(RENDERERS[kind])


def _store(claim: Claim, rendered: Rendered) -> Document | None:
    """Write the PDF under the claim's name, then mark the row ready if the claim is still this
    one's: the check and the write happen under the row's lock, in one transaction, so of two
    attempts exactly one is stored. A claim that was taken over deletes its copy."""
    pdf = bytes(rendered.pdf)
    name, key = document_files.store_sealed(claim.file_name, pdf)
    kept = False
    try:
        with transaction.atomic():
            document = _locked(claim.document.pk)
            if document is None or not _still_ours(document, claim):
                logger.warning(
                    "Document %s: another attempt took this render over; its copy is deleted.",
                    claim.document.pk,
                )
                return document
            document.file.name = name
            document.data_key = key
            document.sha256 = hashlib.sha256(pdf).hexdigest()
            document.size = len(pdf)
            document.pages = rendered.pages
            heads = getattr(rendered, "chain_heads", None)
            if heads is not None:
                document.chain_heads = heads
                document.chain_head = heads_digest(heads)
            document.status = Document.Status.READY
            document.finished_at = timezone.now()
            document.error = ""
            document.lease_expires_at = None
            document.lease_holder = ""
            _save(document, actor=None, reason=f"Rendered: {rendered.pages} pages")
            kept = True
        return document
    finally:
        if not kept:
            document_files.discard(name, key)


def _hand_back(claim: Claim, error: BaseException) -> None:
    """After a transient fault, give the row back to the queue, so the task's retry claims it at
    once rather than finding this process's lease and leaving it. Best effort: when the
    database is what failed, the lease lapses and the sweep does the same."""
    try:
        with transaction.atomic():
            document = _locked(claim.document.pk)
            if document is None or document.status != Document.Status.RENDERING:
                return
            if document.lease_token != claim.token:
                return
            document.status = Document.Status.QUEUED
            document.lease_expires_at = leases.lease_deadline(
                settings.REPORTS_REQUEUE_AFTER_SECONDS
            )
            document.lease_holder = ""
            _save(
                document,
                actor=None,
                reason=f"Queued again: {type(error).__name__} while rendering; retried",
            )
    except DatabaseError as failure:
        logger.warning(
            "Document %s: could not be handed back after %s (%s); its lease will lapse.",
            claim.document.pk,
            type(error).__name__,
            type(failure).__name__,
        )


def _fail_claim(claim: Claim, error: str) -> Document | None:
    """Mark the row failed, if the claim is still this one's (a taken-over attempt's error says
    nothing about the attempt that replaced it)."""
    with transaction.atomic():
        document = _locked(claim.document.pk)
        if document is None or not _still_ours(document, claim):
            return document
        return _fail(document, error)


def _test_delay() -> None:
    delay = float(getattr(settings, "RENDER_TEST_DELAY_SECONDS", 0) or 0)
    if delay > 0:
        time.sleep(delay)


def render_document(*, document_id: int) -> Document | None:
    """Render the document with this id and store it; idempotent (see the module docstring).

    Transient errors hand the row back and propagate for the task to retry; any other error
    marks the row failed with a short description. Returns the row as it ends, or None if there
    is no such row.
    """
    claim = _claim(document_id)
    if claim is None:
        return Document.objects.filter(pk=document_id).first()
    try:
        with leases.Heartbeat(document_id=document_id, token=claim.token):
            _test_delay()
            rendered = _renderer(claim.document.kind)(document=claim.document)
            return _store(claim, rendered)
    except TRANSIENT_ERRORS as error:
        _hand_back(claim, error)
        raise
    except Exception as error:
        # The class only: the message and traceback may quote the document's content.
        logger.error(
            "Document %s could not be rendered: %s", document_id, type(error).__name__
        )
        return _fail_claim(claim, describe_failure(error))


def _fail(document: Document, error: str) -> Document:
    document.status = Document.Status.FAILED
    document.error = error[:500]
    document.finished_at = timezone.now()
    document.lease_expires_at = None
    document.lease_holder = ""
    _save(document, actor=None, reason=f"Failed: {document.error}")
    return document


@transaction.atomic
def fail_document(*, document_id: int, error: str) -> Document | None:
    """Mark the document failed with `error` (short, no content), unless it is already ready or
    failed, or another live process is rendering it (its outcome decides). Called by the render
    task's on_failure hook."""
    document = _locked(document_id)
    if document is None or document.status not in UNFINISHED or _held_elsewhere(document):
        return document
    return _fail(document, error)


def sweep_stale_documents() -> list[int]:
    """Hand every unfinished document whose lease lapsed to the broker again (beat runs this
    every `REPORTS_SWEEP_SECONDS`; one query on a partial index of the unfinished rows):

    - rendering ones whose process stopped renewing the lease (it died, or hangs past the hard
      time limit and was killed): back to queued, their attempts still counted, or `failed`
      once `Document.MAX_ATTEMPTS` are spent;
    - queued ones no worker claimed within `REPORTS_REQUEUE_AFTER_SECONDS` of being queued:
      the message was lost after it was published (the outbox covers the time before).

    A row a worker has locked (claiming or storing it) is left for the next run. A document
    handed over twice is rendered once. Returns the ids handed over.
    """
    lapsed = Q(status__in=UNFINISHED, lease_expires_at__lt=timezone.now())
    ids = list(
        Document.objects.filter(lapsed)
        .order_by("lease_expires_at")
        .values_list("pk", flat=True)[:500]
    )
    swept = []
    for document_id in ids:
        with transaction.atomic():
            document = (
                Document.objects.select_for_update(skip_locked=True)
                .filter(lapsed, pk=document_id)
                .first()
            )
            if document is None:
                continue
            if document.status == Document.Status.RENDERING:
                if document.attempts >= Document.MAX_ATTEMPTS:
                    lost_file = _lost_attempt_file(document)
                    if lost_file:
                        transaction.on_commit(partial(_delete_file, lost_file))
                    _fail(document, f"Gave up after {document.attempts} attempts.")
                    logger.warning("Document %s: its last attempt stopped; failed.", document_id)
                    continue
                reason = "Queued again: the worker rendering it stopped"
            else:
                reason = "Queued again: the broker never delivered it"
            _queue(document, actor=None, reason=reason)
        swept.append(document_id)
    if swept:
        logger.info("Swept %s stale documents back to the broker.", len(swept))
    return swept


def reclaim_from_dead_processes() -> list[int]:
    """Hand back at once every document a process of this host was rendering when it died.

    A worker started on a host (by its supervisor, after the last one was killed whole) calls
    this when it is ready (reports/tasks.py): the dead process's leases would otherwise run
    their course, up to `REPORTS_LEASE_SECONDS`, before the sweep noticed. Holders on other
    hosts, and live ones, are left to their leases. Returns the ids handed back.
    """
    host_prefix = leases.this_process().rpartition(":")[0] + ":"
    held = Document.objects.filter(
        status=Document.Status.RENDERING, lease_holder__startswith=host_prefix
    ).values_list("pk", "lease_holder")
    gone = [pk for pk, holder in held if leases.holder_is_gone(holder)]
    if not gone:
        return []
    Document.objects.filter(pk__in=gone, status=Document.Status.RENDERING).update(
        lease_expires_at=timezone.now()
    )
    return [pk for pk in sweep_stale_documents() if pk in gone]


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
