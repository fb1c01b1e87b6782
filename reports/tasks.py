"""Celery tasks of the reports app: thin wrappers that take an id and call reports.services."""

import logging
from typing import Any, cast

from celery import Task, shared_task
from celery.signals import worker_ready

from reports import services

logger = logging.getLogger(__name__)


class DocumentTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Out of retries, or a fault outside rendering: the row says failed, briefly."""
        document_id = kwargs.get("document_id", args[0] if args else None)
        if document_id is not None:
            services.fail_document(document_id=document_id, error=services.describe_failure(exc))


@shared_task(
    bind=True,
    base=DocumentTask,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def render_document_task(self: Task, document_id: int) -> None:
    try:
        services.render_document(document_id=document_id)
    except services.TRANSIENT_ERRORS as error:
        if not self.request.is_eager or self.request.retries < cast(int, self.max_retries):
            raise  # retried with backoff (autoretry_for)
        # In-process (the embedded default) the render runs inside the request that asked for
        # it, after its commit: its last fault must not turn that request into an error page.
        # The row went back to the queue, for the sweep.
        logger.warning(
            "Document %s could not be rendered in-process (%s); it stays for the sweep.",
            document_id,
            type(error).__name__,
        )


@shared_task
def sweep_stale_documents_task() -> int:
    """Hand stale queued and abandoned rendering documents to the broker again (beat)."""
    return len(services.sweep_stale_documents())


@worker_ready.connect
def reclaim_documents_of_dead_processes(**_kwargs: Any) -> None:
    """A worker that starts takes back at once the renders its host's dead processes held."""
    reclaimed = services.reclaim_from_dead_processes()
    if reclaimed:
        logger.info("Took back %s documents whose worker died on this host.", len(reclaimed))
