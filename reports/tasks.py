"""Celery tasks of the reports app: thin wrappers that take an id and call reports.services."""

from typing import Any

from celery import Task, shared_task

from reports import services


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
    services.render_document(document_id=document_id)


@shared_task
def sweep_stale_documents_task() -> int:
    """Hand stale queued and abandoned rendering documents to the broker again (beat)."""
    return len(services.sweep_stale_documents())
