"""Case files built by a real Celery worker over Redis: asked for through the API, rendered by
WeasyPrint in the worker, downloaded and read back; a worker process killed in the middle of a
render, and a whole worker killed, whose lease lapses and whose render a new worker does; a
render longer than its lease, kept by its heartbeat; a broker that is down when a file is asked
for. Workers are started by the `celery_worker` fixture (tests/reports/conftest.py)."""

import io
import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from pypdf import PdfReader
from rest_framework.test import APIClient

from intake.models import EncounterKind, Evidence
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_message
from reports.models import Document
from tests.reports.conftest import (
    COMPLAINANT,
    PERSONAL,
    UNREACHABLE_BROKER,
    WITNESS,
    embedded_beat,
    named_case,
    point_celery_at,
)

WAIT = 30


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _ask(client: APIClient, case, kind: str) -> int:
    response = client.post(
        f"/api/v1/cases/{case.reference}/documents/", {"kind": kind}, format="json"
    )
    assert response.status_code == 202, response.content
    # The answer is read after the commit published the render, so a quick worker may have
    # claimed it already.
    assert response.json()["status"] in ("queued", "rendering")
    return response.json()["id"]


def _wait_for(document_id: int, *statuses: str, worker=None, timeout: float = WAIT) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.status in statuses:
            return document
        time.sleep(0.1)
    log = f"\nworker log:\n{worker.tail()}" if worker else ""
    pytest.fail(f"Document {document_id} is still {document.status} after {timeout} s.{log}")


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _download(client: APIClient, document_id: int) -> bytes:
    response = client.get(f"/api/v1/documents/{document_id}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _stored_pdfs() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "documents"
    return {str(path.relative_to(settings.MEDIA_ROOT)) for path in root.rglob("*.pdf")}


def test_worker_renders_full_and_redacted_case_files_asked_for_through_the_api(
    celery_worker, legal
):
    worker = celery_worker()
    case = named_case()
    client = _client(legal)
    full_id = _ask(client, case, Document.Kind.CASE_FILE)
    redacted_id = _ask(client, case, Document.Kind.REDACTED_CASE_FILE)

    for document_id in (full_id, redacted_id):
        document = _wait_for(document_id, "ready", "failed", worker=worker)
        assert document.status == "ready", document.error
        assert document.attempts == 1
        assert document.pages and document.pages >= 1
        assert client.get(f"/api/v1/documents/{document_id}/").json()["status"] == "ready"

    full = _pdf_text(_download(client, full_id))
    squeezed = re.sub(r"\s+", "", full)
    assert COMPLAINANT in full
    assert WITNESS in full
    labels = EncounterKind.objects.filter(encounters__report__case=case).values_list(
        "label", flat=True
    )
    assert len(labels) == 4
    for label in labels:
        assert label in full
    hashes = Evidence.objects.filter(report__case=case).values_list("sha256", flat=True)
    assert len(hashes) == 2
    for digest in hashes:
        assert digest in squeezed

    redacted = _pdf_text(_download(client, redacted_id)).casefold()
    for value in PERSONAL:
        assert value.casefold() not in redacted, value
    assert case.reference.casefold() in redacted


def test_a_render_cut_off_by_a_killed_worker_process_is_done_again_once(
    celery_worker, legal, case
):
    worker = celery_worker(RENDER_TEST_DELAY_SECONDS="2")
    before = _stored_pdfs()
    document_id = _ask(_client(legal), case, Document.Kind.REDACTED_CASE_FILE)
    _wait_for(document_id, "rendering", worker=worker)
    (child,) = worker.children()
    # As the OOM killer would. The pool starts a new child and, the task being acknowledged
    # late and rejected on a lost worker, hands it back to Redis for the new child.
    os.kill(child, signal.SIGKILL)

    document = _wait_for(document_id, "ready", "failed", worker=worker)
    assert document.status == "ready", document.error
    assert document.attempts == 2
    assert _stored_pdfs() - before == {document.file.name}
    reasons = list(document.history.values_list("history_change_reason", flat=True))
    assert reasons.count(f"Rendered: {document.pages} pages") == 1
    assert "Rendering (attempt 2 of 3)" in reasons


def test_a_render_whose_whole_worker_was_killed_is_done_by_a_new_worker_once_its_lease_lapses(
    celery_worker, legal, case, tmp_path
):
    # Short leases and sweeps, so the test takes seconds; the benchmark (bench_recovery) runs
    # the production values.
    lease = {"REPORTS_LEASE_SECONDS": "3"}
    first = celery_worker(RENDER_TEST_DELAY_SECONDS="120", **lease)
    before = _stored_pdfs()
    document_id = _ask(_client(legal), case, Document.Kind.CASE_FILE)
    _wait_for(document_id, "rendering", worker=first)
    # Its message stays unacknowledged in Redis until the visibility timeout, an hour away.
    first.kill()
    second = celery_worker(*embedded_beat(tmp_path), REPORTS_SWEEP_SECONDS="1", **lease)

    document = _wait_for(document_id, "ready", "failed", worker=second, timeout=120)
    assert document.status == "ready", document.error
    assert document.attempts == 2
    assert _stored_pdfs() - before == {document.file.name}
    reasons = list(document.history.values_list("history_change_reason", flat=True))
    assert "Queued again: the worker rendering it stopped" in reasons
    assert reasons.count(f"Rendered: {document.pages} pages") == 1


def test_a_render_longer_than_its_lease_keeps_it_by_its_heartbeat(
    celery_worker, legal, case, tmp_path
):
    lease = {"REPORTS_LEASE_SECONDS": "2"}
    renderer = celery_worker(RENDER_TEST_DELAY_SECONDS="10", **lease)
    document_id = _ask(_client(legal), case, Document.Kind.REDACTED_CASE_FILE)
    claimed = _wait_for(document_id, "rendering", worker=renderer)
    # A second worker sweeps every second all the while (and would render a row handed back).
    celery_worker(*embedded_beat(tmp_path), REPORTS_SWEEP_SECONDS="1", **lease)

    document = _wait_for(document_id, "ready", "failed", worker=renderer, timeout=120)
    assert document.status == "ready", document.error
    assert document.attempts == 1
    # The claim alone held it for two seconds of ten; the heartbeat held it the rest.
    reasons = list(document.history.values_list("history_change_reason", flat=True))
    assert not [reason for reason in reasons if reason.startswith("Queued again")]
    assert document.started_at == claimed.started_at


def test_a_case_file_asked_for_while_the_broker_is_down_renders_once_it_is_back(
    celery_worker, legal, case
):
    worker = celery_worker()
    point_celery_at(UNREACHABLE_BROKER)
    try:
        started = time.monotonic()
        document_id = _ask(_client(legal), case, Document.Kind.REDACTED_CASE_FILE)
        assert time.monotonic() - started < 5
    finally:
        point_celery_at(worker.redis_url)
    time.sleep(1)  # a worker that had it would have started by now
    document = Document.objects.get(pk=document_id)
    assert (document.status, document.attempts) == ("queued", 0)
    message = OutboxMessage.objects.get(task="reports.tasks.render_document_task")
    assert (message.args, message.published_at) == ([document_id], None)

    assert relay_message(message.pk)  # beat's relay, once the broker is back
    document = _wait_for(document_id, "ready", "failed", worker=worker)
    assert document.status == "ready", document.error
    assert document.attempts == 1
    assert default_storage.exists(document.file.name)
