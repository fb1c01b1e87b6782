"""Documents: who may ask for, follow and download case files; the render pipeline's
idempotency, attempt cap, retries and failures; a broker that is down; the sweep; the case
page's case files; the admin; the Celery configuration.

Tasks run in-process here (the embedded default). Most tests render with a stand-in renderer
(`fake_renderer`), so they test the pipeline, not WeasyPrint; tests/reports/test_worker.py runs
the real renderers in a real worker.
"""

import hashlib
import io
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import kombu.exceptions
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cases.roles import Role
from cases.services import merge_cases
from config.celery import app as celery_app
from intake.models import Report
from plumbing.keys import store as key_store
from plumbing.keys.files import Damaged, verify
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_message
from reports import leases, services
from reports.document_files import SEALED_FOR, discard, open_sealed, store_sealed
from reports.models import Document
from reports.services import DocumentError, ErrorCode
from reports.statistics.filters import StatisticsFilters
from reports.statistics.snapshots import build_snapshot
from reports.tasks import (
    reclaim_documents_of_dead_processes,
    render_document_task,
    sweep_stale_documents_task,
)
from tests.reports.conftest import COMPLAINANT, named_case


def _opened(document: Document) -> bytes:
    """The document's PDF, opened from its sealed file."""
    with open_sealed(document) as opened:
        return opened.read()

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a stand-in for a rendered case file\n%%EOF\n"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


class FakeRenderer:
    """Renders PDF (3 pages), or raises what `errors` holds next, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.errors: list[BaseException] = []
        self.during = None

    def __call__(self, *, document: Document) -> Rendered:
        self.calls += 1
        if self.during is not None:
            during, self.during = self.during, None
            during(document)
        if self.errors:
            raise self.errors.pop(0)
        return Rendered(pdf=PDF, pages=3)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def as_a_worker():
    """Run tasks in-process as a worker would: retries happen, failures reach on_failure and
    end there, instead of being raised to the caller at once (the test settings' default)."""
    saved = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def fake_renderer(monkeypatch) -> FakeRenderer:
    renderer = FakeRenderer()
    monkeypatch.setattr(services, "_renderer", lambda kind: renderer)
    return renderer


def _pdfs(media: Path) -> list[Path]:
    return sorted((media / "documents").rglob("*.pdf"))


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _ask(user, case, kind=Document.Kind.CASE_FILE):
    return _client(user).post(
        f"/api/v1/cases/{case.reference}/documents/", {"kind": kind}, format="json"
    )


def _queued(case, user, kind=Document.Kind.CASE_FILE, **fields) -> Document:
    """A document row as request_document leaves it, without enqueuing it (an unfinished row
    with a deadline that has not passed)."""
    fields.setdefault("enqueued_at", timezone.now())
    if fields.get("status", "queued") in ("queued", "rendering"):
        fields.setdefault("lease_expires_at", timezone.now() + timedelta(minutes=2))
    return Document.objects.create(kind=kind, case=case, requested_by=user, **fields)


def _lapsed() -> datetime:
    return timezone.now() - timedelta(seconds=1)


def _ready(case, user, kind=Document.Kind.CASE_FILE) -> Document:
    document = _queued(case, user, kind)
    document.file.name, document.data_key = store_sealed("documents/ready.pdf", PDF)
    document.sha256 = hashlib.sha256(PDF).hexdigest()
    document.status, document.pages, document.size = Document.Status.READY, 3, len(PDF)
    document.save()
    return document


def _reasons(document: Document) -> list[str]:
    return list(
        document.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )


# --- Asking --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Document.Kind.CASE_FILE, Document.Kind.REDACTED_CASE_FILE])
def test_legal_staff_may_ask_for_both_case_files_and_get_202_with_the_queued_document(
    legal, case, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _ask(legal, case, kind)
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["case"]) == (kind, "queued", case.reference)
    assert body["requested_by"]["username"] == legal.username
    assert body["download_url"] is None
    assert len(callbacks) == 1  # handed to the broker only once the row is committed
    document = Document.objects.get(pk=body["id"])
    history = document.history.get()
    assert history.history_user == legal
    assert history.history_change_reason.endswith("requested")


def test_liaison_may_ask_for_the_redacted_file_but_not_the_full_one(liaison, case):
    assert _ask(liaison, case, Document.Kind.REDACTED_CASE_FILE).status_code == 202
    refused = _ask(liaison, case, Document.Kind.CASE_FILE)
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_not_permitted"
    assert list(Document.objects.values_list("kind", flat=True)) == ["redacted_case_file"]


@pytest.mark.parametrize("role", ["administrator", "no_role_user"])
def test_users_without_case_access_get_the_same_404_as_for_a_missing_case(request, role, case):
    user = request.getfixturevalue(role)
    hidden = _ask(user, case, Document.Kind.REDACTED_CASE_FILE)
    missing = _client(user).post(
        "/api/v1/cases/RD-1999-999999/documents/", {"kind": "case_file"}, format="json"
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "not_found"
    assert not Document.objects.exists()


def test_anonymous_callers_are_told_to_sign_in(case):
    response = _ask(None, case)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "body", [{"kind": "statistics"}, {"kind": "everything"}, {}, {"kind": "case_file", "x": 1}]
)
def test_anything_but_a_case_file_kind_is_refused_by_field(legal, case, body):
    response = _client(legal).post(
        f"/api/v1/cases/{case.reference}/documents/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]
    assert not Document.objects.exists()


def test_a_merged_case_sends_you_to_the_surviving_case(legal, case):
    survivor = named_case()
    merge_cases(
        survivor=survivor, duplicates=[case], actor=legal, reason="Same stop", expected_version=None
    )
    response = _ask(legal, case)
    assert response.status_code == 400
    assert response.json()["code"] == "case_merged"
    assert survivor.reference in response.json()["detail"]


def test_the_service_refuses_hidden_cases_like_missing_ones(no_role_user, case):
    with pytest.raises(DocumentError) as refused:
        services.request_document(case=case, kind="case_file", actor=no_role_user)
    assert refused.value.code == ErrorCode.NOT_FOUND


def test_legal_staff_ask_for_a_statistics_pdf_and_it_renders_with_the_real_renderer(
    legal, liaison, case, django_capture_on_commit_callbacks
):
    snapshot = build_snapshot(filters=StatisticsFilters(), actor=legal)
    with pytest.raises(DocumentError) as refused:
        services.request_statistics_document(snapshot=snapshot, actor=liaison)
    assert refused.value.code == ErrorCode.ROLE_NOT_PERMITTED
    with django_capture_on_commit_callbacks(execute=True):
        document = services.request_statistics_document(snapshot=snapshot, actor=legal)
    document.refresh_from_db()
    assert (document.kind, document.status, document.case) == ("statistics", "ready", None)
    assert document.pages >= 1
    assert _opened(document).startswith(b"%PDF")
    assert _client(liaison).get(f"/api/v1/documents/{document.pk}/").status_code == 404
    response = _client(legal).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert "statistics" in response["Content-Disposition"]


def test_a_case_file_asked_for_in_the_embedded_default_is_a_real_pdf(
    legal, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(legal, case, Document.Kind.REDACTED_CASE_FILE)
    state = _client(legal).get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert state["status"] == "ready", state["error"]
    assert state["pages"] >= 1
    assert len(state["sha256"]) == 64
    pdf = b"".join(_client(legal).get(state["download_url"]).streaming_content)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == state["sha256"]
    assert len(pdf) == state["size"]


# --- Rendering -----------------------------------------------------------------------------


def test_in_the_embedded_default_asking_renders_in_process_after_commit(
    legal, case, fake_renderer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(legal, case)
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == Document.Status.READY
    assert (document.attempts, document.pages, document.size) == (1, 3, len(PDF))
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.file.name.startswith("documents/")
    assert _opened(document) == PDF
    # Stored sealed with a data key of its own: the media folder holds no PDF.
    assert b"%PDF" not in default_storage.open(document.file.name).read()
    assert document.data_key is not None
    assert document.data_key not in set(Report.objects.values_list("data_key", flat=True))
    assert _pdfs(media) == [media / document.file.name]
    assert document.started_at <= document.finished_at
    assert _reasons(document) == [
        "Case file requested",
        "Rendering (attempt 1 of 3)",
        "Rendered: 3 pages",
    ]
    assert all(row.history_user is None for row in document.history.exclude(
        history_change_reason="Case file requested"))


def test_stored_files_get_random_names(legal, case, fake_renderer):
    first, second = _queued(case, legal), _queued(case, legal)
    services.render_document(document_id=first.pk)
    services.render_document(document_id=second.pk)
    names = {Path(d.file.name).name for d in Document.objects.all()}
    assert len(names) == 2
    assert not any(case.reference in name or "case" in name for name in names)


def test_a_task_delivered_twice_renders_once(legal, case, fake_renderer, media):
    document = _queued(case, legal)
    render_document_task.delay(document.pk)
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert (fake_renderer.calls, document.attempts) == (1, 1)
    assert len(_pdfs(media)) == 1


def test_a_second_delivery_during_a_render_keeps_one_file(legal, case, fake_renderer, media):
    document = _queued(case, legal)
    # While the first delivery renders, a second one (say, the sweep's) renders and stores.
    fake_renderer.during = lambda doc: services.render_document(document_id=doc.pk)
    services.render_document(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert fake_renderer.calls == 2
    assert document.attempts == 2
    assert _pdfs(media) == [media / document.file.name]
    assert _reasons(document).count("Rendered: 3 pages") == 1


@pytest.mark.parametrize("status", [Document.Status.READY, Document.Status.FAILED])
def test_finished_documents_are_left_alone(legal, case, fake_renderer, status):
    document = _ready(case, legal) if status == "ready" else _queued(case, legal, status=status)
    before = document.history.count()
    services.render_document(document_id=document.pk)
    assert fake_renderer.calls == 0
    assert document.history.count() == before


def test_a_missing_document_is_nothing_to_do(fake_renderer):
    assert services.render_document(document_id=987654) is None
    assert fake_renderer.calls == 0


def test_after_three_attempts_the_document_is_given_up(legal, case, fake_renderer):
    # Three workers died rendering it: re-deliveries on a lost worker bypass max_retries.
    document = _queued(
        case, legal, status=Document.Status.RENDERING, attempts=3, lease_expires_at=_lapsed()
    )
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert fake_renderer.calls == 0
    assert document.status == Document.Status.FAILED
    assert document.error == "Gave up after 3 attempts."
    assert document.finished_at is not None


def test_a_transient_fault_is_retried_and_the_retry_renders(
    legal, case, fake_renderer, as_a_worker
):
    fake_renderer.errors = [OperationalError("server closed the connection unexpectedly")]
    document = _queued(case, legal)
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert (fake_renderer.calls, document.attempts) == (2, 2)
    # Handed back at once, so the retry claimed it instead of waiting for the lease to lapse.
    assert _reasons(document)[1:] == [
        "Rendering (attempt 1 of 3)",
        "Queued again: OperationalError while rendering; retried",
        "Rendering (attempt 2 of 3)",
        "Rendered: 3 pages",
    ]


def test_a_fault_that_does_not_pass_stops_at_the_attempt_cap(
    legal, case, fake_renderer, as_a_worker
):
    fake_renderer.errors = [kombu.exceptions.OperationalError("broker gone")] * 10
    document = _queued(case, legal)
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert fake_renderer.calls == Document.MAX_ATTEMPTS
    assert document.status == Document.Status.FAILED
    assert document.error == "Gave up after 3 attempts."


def test_a_permanent_error_fails_the_document_with_a_short_error_without_content(
    legal, case, fake_renderer, media, caplog
):
    fake_renderer.errors = [ValueError(f"cannot lay out the narrative of {COMPLAINANT}")]
    document = _queued(case, legal)
    with caplog.at_level(logging.INFO):
        render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert fake_renderer.calls == 1  # not retried
    assert document.status == Document.Status.FAILED
    assert document.error == "Rendering failed (ValueError)."
    assert COMPLAINANT not in caplog.text
    assert not any(COMPLAINANT in (reason or "") for reason in _reasons(document))
    assert _pdfs(media) == []


def test_running_out_of_time_is_said_plainly(legal, case, fake_renderer):
    fake_renderer.errors = [SoftTimeLimitExceeded()]
    document = _queued(case, legal)
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert document.error == "Rendering took longer than the time limit."


def test_the_task_marks_the_row_failed_when_storing_breaks(
    legal, case, fake_renderer, monkeypatch, as_a_worker
):
    def refuse(*args, **kwargs):
        raise PermissionError(f"/media/documents/{COMPLAINANT}.pdf")

    monkeypatch.setattr(default_storage, "save", refuse)
    document = _queued(case, legal)
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert document.error == "Rendering failed (PermissionError)."


def test_the_rendering_state_is_committed_before_rendering(legal, case, fake_renderer):
    seen = []
    fake_renderer.during = lambda doc: seen.append(
        Document.objects.values_list("status", "attempts", "started_at").get(pk=doc.pk)
    )
    services.render_document(document_id=_queued(case, legal).pk)
    ((status, attempts, started_at),) = seen
    assert (status, attempts) == ("rendering", 1)
    assert started_at is not None


# --- A broker that is down, and the sweep --------------------------------------------------


def test_a_broker_that_is_down_does_not_fail_the_request_and_the_outbox_renders_it_later(
    legal, case, fake_renderer, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(render_document_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(legal, case)
    assert response.status_code == 202
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == "queued"
    message = OutboxMessage.objects.get(task="reports.tasks.render_document_task")
    assert (message.args, message.published_at) == ([document.pk], None)
    assert fake_renderer.calls == 0

    monkeypatch.undo()
    monkeypatch.setattr(services, "_renderer", lambda kind: fake_renderer)
    assert relay_message(message.pk)  # the relay, once the broker is back
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.attempts == 1


def test_asking_writes_the_render_to_the_outbox_in_the_same_transaction(legal, case):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_document(case=case, kind=Document.Kind.CASE_FILE, actor=legal)
        assert OutboxMessage.objects.filter(task="reports.tasks.render_document_task").exists()
        raise RuntimeError("the request failed after asking")
    assert not Document.objects.exists()
    assert not OutboxMessage.objects.filter(task="reports.tasks.render_document_task").exists()


@pytest.fixture
def handed(monkeypatch) -> list[int]:
    """The ids the services publish renders of, instead of publishing them."""
    ids: list[int] = []

    def publish(task: str, document_id: int) -> None:
        assert task == "reports.tasks.render_document_task"
        ids.append(document_id)

    monkeypatch.setattr(services, "publish", publish)
    return ids


def test_the_sweep_hands_back_documents_whose_lease_lapsed_and_no_other(
    legal, case, handed, django_capture_on_commit_callbacks
):
    lost = _queued(case, legal, lease_expires_at=_lapsed())
    waiting = _queued(case, legal)
    abandoned = _queued(
        case, legal, status="rendering", attempts=1, lease_token="a" * 32,
        lease_holder="elsewhere:1", lease_expires_at=_lapsed(),
    )
    rendering = _queued(
        case, legal, status="rendering", attempts=1, lease_token="b" * 32,
        lease_holder="elsewhere:2", lease_expires_at=timezone.now() + timedelta(seconds=30),
    )
    _ready(case, legal)
    _queued(case, legal, status="failed")

    with django_capture_on_commit_callbacks(execute=True):
        swept = services.sweep_stale_documents()

    assert sorted(swept) == sorted(handed) == sorted([lost.pk, abandoned.pk])
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.attempts, abandoned.lease_holder) == ("queued", 1, "")
    assert abandoned.lease_expires_at > timezone.now()  # a new deadline to be claimed by
    assert _reasons(abandoned)[-1] == "Queued again: the worker rendering it stopped"
    assert _reasons(lost)[-1] == "Queued again: the broker never delivered it"
    for untouched in (waiting, rendering):
        assert untouched.history.count() == 1


def test_a_render_whose_lease_lapsed_after_its_last_attempt_is_given_up_by_the_sweep(
    legal, case, handed
):
    document = _queued(
        case, legal, status="rendering", attempts=Document.MAX_ATTEMPTS,
        lease_token="c" * 32, lease_holder="elsewhere:3", lease_expires_at=_lapsed(),
    )
    assert services.sweep_stale_documents() == []
    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", "Gave up after 3 attempts.")
    assert document.lease_expires_at is None
    assert handed == []


def test_the_sweep_task_runs_the_sweep(
    legal, case, fake_renderer, django_capture_on_commit_callbacks
):
    document = _queued(case, legal, lease_expires_at=_lapsed())
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_documents_task.delay().get() == 1
    document.refresh_from_db()
    assert document.status == "ready"


def test_an_unfinished_document_without_a_deadline_is_refused_by_the_database(legal, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        _queued(case, legal, lease_expires_at=None)


# --- Leases --------------------------------------------------------------------------------


def _dead_pid() -> int:
    """The pid of a process of this host that has exited (and been reaped)."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True, text=True, check=True,
    )
    return int(process.stdout)


def test_a_render_holds_a_lease_of_its_own_while_it_runs_and_lets_go_when_ready(
    legal, case, fake_renderer, settings
):
    seen = []
    fake_renderer.during = lambda doc: seen.append(
        Document.objects.values("lease_token", "lease_holder", "lease_expires_at").get(pk=doc.pk)
    )
    before = timezone.now()
    document = services.render_document(document_id=_queued(case, legal).pk)
    ((lease,),) = [seen]
    assert len(lease["lease_token"]) == 32
    assert lease["lease_holder"] == f"{socket.gethostname()}:{os.getpid()}"
    assert lease["lease_expires_at"] >= before + timedelta(seconds=settings.REPORTS_LEASE_SECONDS)
    # The claim's token names its file, so a file left by a lost attempt can be found.
    assert document.file.name.endswith(f"/{lease['lease_token']}.pdf")
    assert (document.status, document.lease_expires_at, document.lease_holder) == (
        "ready", None, ""
    )


def test_a_delivery_leaves_a_document_another_live_process_is_rendering(
    legal, case, fake_renderer
):
    document = _queued(
        case, legal, status="rendering", attempts=1, lease_token="d" * 32,
        lease_holder="another-host:4242", lease_expires_at=timezone.now() + timedelta(seconds=30),
    )
    render_document_task.delay(document.pk)
    services.fail_document(document_id=document.pk, error="Rendering failed (Retry).")
    document.refresh_from_db()
    assert fake_renderer.calls == 0
    assert (document.status, document.attempts, document.lease_token) == (
        "rendering", 1, "d" * 32
    )
    assert document.history.count() == 1


def test_a_delivery_takes_over_at_once_from_a_process_of_this_host_that_died(
    legal, case, fake_renderer, media
):
    # The pool replaced a killed child and the message came straight back (acks late): the
    # lease has not lapsed, but its holder is gone, so there is no need to wait for it.
    document = _queued(
        case, legal, status="rendering", attempts=1, lease_token="e" * 32,
        lease_holder=f"{socket.gethostname()}:{_dead_pid()}",
        lease_expires_at=timezone.now() + timedelta(seconds=30),
    )
    render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert (document.status, document.attempts, fake_renderer.calls) == ("ready", 2, 1)
    assert _pdfs(media) == [media / document.file.name]


def test_a_late_worker_whose_claim_was_taken_over_stores_nothing(
    legal, case, fake_renderer, media, handed, django_capture_on_commit_callbacks, monkeypatch
):
    document = _queued(case, legal)
    made = []
    create_key = key_store.create_key
    monkeypatch.setattr(key_store, "create_key", lambda: made.append(create_key()) or made[-1])

    def taken_over(doc: Document) -> None:
        # The first worker stalls past its lease: the sweep hands the row back and a second
        # worker claims, renders and stores it before the first one gets to its final write.
        Document.objects.filter(pk=doc.pk).update(lease_expires_at=_lapsed())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.sweep_stale_documents() == [doc.pk]
        Document.objects.filter(pk=doc.pk).update(lease_holder="another-host:1")
        services.render_document(document_id=doc.pk)

    fake_renderer.during = taken_over
    late = services.render_document(document_id=document.pk)
    document.refresh_from_db()
    assert late.pk == document.pk
    assert (document.status, document.attempts, fake_renderer.calls) == ("ready", 2, 2)
    assert _pdfs(media) == [media / document.file.name]  # the late copy was deleted
    # ... and the key it was sealed with destroyed: no copy of it opens again.
    assert len(made) == 2 and key_store.existing_keys(made) == {document.data_key}
    assert _reasons(document).count("Rendered: 3 pages") == 1
    assert _reasons(document)[-1] == "Rendered: 3 pages"


def test_a_late_render_of_a_row_only_handed_back_is_kept_and_the_next_delivery_does_nothing(
    legal, case, fake_renderer, media, handed, django_capture_on_commit_callbacks
):
    document = _queued(case, legal)

    def handed_back(doc: Document) -> None:
        Document.objects.filter(pk=doc.pk).update(lease_expires_at=_lapsed())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.sweep_stale_documents() == [doc.pk]

    fake_renderer.during = handed_back
    services.render_document(document_id=document.pk)
    assert handed == [document.pk]
    render_document_task.delay(document.pk)  # the sweep's message arrives
    document.refresh_from_db()
    assert (document.status, document.attempts, fake_renderer.calls) == ("ready", 1, 1)
    assert _pdfs(media) == [media / document.file.name]


def test_the_file_of_an_attempt_cut_off_before_it_was_recorded_is_deleted_by_the_next_claim(
    legal, case, fake_renderer, media, django_capture_on_commit_callbacks
):
    started = timezone.now() - timedelta(minutes=1)
    document = _queued(
        case, legal, status="rendering", attempts=1, started_at=started, lease_token="f" * 32,
        lease_holder="another-host:5", lease_expires_at=_lapsed(),
    )
    # Its worker wrote the PDF and died before marking the row ready.
    orphan = leases.attempt_file_name(started_at=started, token="f" * 32)
    default_storage.save(orphan, ContentFile(PDF))
    with django_capture_on_commit_callbacks(execute=True):
        render_document_task.delay(document.pk)
    document.refresh_from_db()
    assert (document.status, document.attempts) == ("ready", 2)
    assert not default_storage.exists(orphan)
    assert _pdfs(media) == [media / document.file.name]


def test_renewing_a_lease_needs_the_claims_token(legal, case):
    deadline = timezone.now() + timedelta(seconds=5)
    document = _queued(
        case, legal, status="rendering", attempts=1, lease_token="g" * 32,
        lease_holder="another-host:6", lease_expires_at=deadline,
    )
    assert not leases.renew_lease(document_id=document.pk, token="h" * 32)
    document.refresh_from_db()
    assert document.lease_expires_at == deadline
    assert leases.renew_lease(document_id=document.pk, token="g" * 32)
    document.refresh_from_db()
    assert document.lease_expires_at > deadline


def test_only_a_process_of_this_host_that_is_not_running_counts_as_gone():
    host = socket.gethostname()
    assert leases.holder_is_gone(f"{host}:{_dead_pid()}")
    assert not leases.holder_is_gone(f"{host}:{os.getppid()}")  # alive
    assert not leases.holder_is_gone(f"{host}:{os.getpid()}")  # this process
    assert not leases.holder_is_gone(f"another-host:{_dead_pid()}")  # cannot tell: alive
    assert not leases.holder_is_gone("")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_pushes_the_lease_on_while_a_render_runs(
    no_role_user, fake_renderer, settings
):
    settings.REPORTS_LEASE_SECONDS = 1  # a renewal every third of a second
    seen: list = []

    def slow(doc: Document) -> None:
        first = Document.objects.values_list("lease_expires_at", flat=True).get(pk=doc.pk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = Document.objects.values_list("lease_expires_at", flat=True).get(pk=doc.pk)
            if now > first:
                seen.append((first, now))
                return
            time.sleep(0.05)

    fake_renderer.during = slow
    # Committed, so the heartbeat's own connection sees the row; no case needed for that.
    queued = _queued(None, no_role_user, Document.Kind.STATISTICS)
    document = services.render_document(document_id=queued.pk)
    assert seen, "the lease was never renewed during the render"
    assert document.status == "ready"
    assert document.history.count() == 3  # renewals are bookkeeping: no history rows


# --- State and download --------------------------------------------------------------------


def test_a_document_state_is_shown_to_whoever_may_export_its_kind_or_asked_for_it(
    legal, liaison, case, request
):
    other_legal = request.getfixturevalue("other_liaison")
    other_legal.groups.set([Group.objects.get(name=Role.LEGAL.value)])
    full = _ready(case, legal, Document.Kind.CASE_FILE)
    redacted = _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)

    assert _client(legal).get(f"/api/v1/documents/{full.pk}/").status_code == 200
    assert _client(other_legal).get(f"/api/v1/documents/{full.pk}/").status_code == 200
    shown = _client(liaison).get(f"/api/v1/documents/{redacted.pk}/")
    assert shown.status_code == 200
    assert shown.json()["download_url"].endswith(f"/api/v1/documents/{redacted.pk}/download/")
    hidden = _client(liaison).get(f"/api/v1/documents/{full.pk}/")
    missing = _client(liaison).get("/api/v1/documents/987654/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize("role", ["administrator", "no_role_user"])
def test_people_without_case_access_see_no_document(request, role, legal, case):
    user = request.getfixturevalue(role)
    document = _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)
    for path in ("", "download/"):
        response = _client(user).get(f"/api/v1/documents/{document.pk}/{path}")
        assert response.status_code == 404
    assert _client(user).get(f"/api/v1/cases/{case.reference}/documents/").status_code == 404


def test_download_serves_the_pdf_privately_and_records_who_fetched_it(legal, liaison, case):
    document = _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)
    for user in (legal, liaison):
        response = _client(user).get(f"/api/v1/documents/{document.pk}/download/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment;")
        assert case.reference in response["Content-Disposition"]
    document.refresh_from_db()
    assert document.download_count == 2
    downloads = document.history.filter(history_change_reason="Downloaded")
    assert sorted(row.history_user.username for row in downloads) == ["legal", "liaison"]


def test_a_client_asking_for_pdf_gets_it_and_its_errors_in_json(legal, case):
    document = _ready(case, legal)
    client = _client(legal)
    ok = client.get(f"/api/v1/documents/{document.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert ok.status_code == 200
    missing = client.get("/api/v1/documents/987654/download/", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert missing.json()["code"] == "not_found"


def test_someone_whose_role_no_longer_exports_a_kind_sees_it_but_cannot_download_it(
    legal, case
):
    document = _ready(case, legal, Document.Kind.CASE_FILE)
    legal.groups.set([Group.objects.get(name=Role.LIAISON.value)])
    client = _client(legal)
    state = client.get(f"/api/v1/documents/{document.pk}/")
    assert state.status_code == 200
    assert state.json()["download_url"] is None
    refused = client.get(f"/api/v1/documents/{document.pk}/download/")
    assert refused.status_code == 404
    assert refused.json() == client.get("/api/v1/documents/987654/download/").json()
    document.refresh_from_db()
    assert document.download_count == 0


@pytest.mark.parametrize("status", ["queued", "rendering", "failed"])
def test_a_document_that_is_not_ready_answers_409(legal, case, status):
    document = _queued(case, legal, status=status)
    response = _client(legal).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 409
    assert response.json()["code"] == "document_not_ready"
    document.refresh_from_db()
    assert document.download_count == 0


def test_a_case_lists_the_documents_you_may_see(legal, liaison, case):
    full = _ready(case, legal, Document.Kind.CASE_FILE)
    redacted = _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)
    mine = _queued(case, liaison, Document.Kind.REDACTED_CASE_FILE)
    url = f"/api/v1/cases/{case.reference}/documents/"
    assert [d["id"] for d in _client(legal).get(url).json()] == [mine.pk, redacted.pk, full.pk]
    assert [d["id"] for d in _client(liaison).get(url).json()] == [mine.pk, redacted.pk]


def test_the_case_document_list_takes_the_same_queries_for_1_and_10_documents(legal, case):
    client = _client(legal)
    url = f"/api/v1/cases/{case.reference}/documents/"

    def count() -> int:
        client.get(url)  # sessions and permission caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    _ready(case, legal)
    one = count()
    for _ in range(9):
        _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)
    assert count() == one


def test_the_documents_api_is_in_the_openapi_schema(tmp_path):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    ask = paths["/api/v1/cases/{reference}/documents/"]["post"]
    assert {"202", "403", "404"} <= set(ask["responses"])
    download = paths["/api/v1/documents/{id}/download/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]
    assert "409" in download["responses"]
    assert "/api/v1/documents/{id}/" in paths


# --- The case page -------------------------------------------------------------------------


def test_the_case_page_offers_each_role_the_case_files_it_may_have(client, legal, liaison, case):
    full = _ready(case, legal, Document.Kind.CASE_FILE)
    redacted = _ready(case, legal, Document.Kind.REDACTED_CASE_FILE)
    page = f"/staff/cases/{case.reference}/"

    client.force_login(legal)
    html = client.get(page).content.decode()
    assert 'id="request-case_file"' in html and 'id="request-redacted_case_file"' in html
    assert f'href="/staff/documents/{full.pk}/download/"' in html
    assert f'href="/staff/documents/{redacted.pk}/download/"' in html

    client.force_login(liaison)
    html = client.get(page).content.decode()
    assert 'id="request-case_file"' not in html
    assert 'id="request-redacted_case_file"' in html
    assert f"document-{full.pk}" not in html
    assert f'href="/staff/documents/{redacted.pk}/download/"' in html


def test_asking_from_the_case_page_queues_the_file_and_its_link_downloads_it(
    client, legal, case, fake_renderer, django_capture_on_commit_callbacks
):
    client.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/staff/documents/cases/{case.reference}/", {"kind": "redacted_case_file"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/#documents"
    document = Document.objects.get()
    assert (document.kind, document.status) == ("redacted_case_file", "ready")
    html = client.get(response["Location"]).content.decode()
    link = f"/staff/documents/{document.pk}/download/"
    assert link in html
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "no-store"
    document.refresh_from_db()
    assert document.download_count == 1


def test_the_case_page_refuses_what_a_role_may_not_have(client, liaison, no_role_user, legal, case):
    full = _ready(case, legal, Document.Kind.CASE_FILE)
    client.force_login(liaison)
    assert client.post(
        f"/staff/documents/cases/{case.reference}/", {"kind": "case_file"}
    ).status_code == 403
    assert client.get(f"/staff/documents/{full.pk}/download/").status_code == 404
    client.force_login(no_role_user)
    assert client.post(
        f"/staff/documents/cases/{case.reference}/", {"kind": "redacted_case_file"}
    ).status_code == 404
    assert not Document.objects.exclude(pk=full.pk).exists()


def test_a_document_not_ready_sends_you_back_to_the_case_page(client, legal, case):
    document = _queued(case, legal)
    client.force_login(legal)
    response = client.get(f"/staff/documents/{document.pk}/download/")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/#documents"


def test_staff_document_pages_need_a_signed_in_user(client, legal, case):
    document = _ready(case, legal)
    response = client.get(f"/staff/documents/{document.pk}/download/")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


# --- Admin and configuration ---------------------------------------------------------------


def test_legal_staff_audit_documents_in_the_admin_read_only(client, legal, administrator, case):
    document = _ready(case, legal)
    client.force_login(legal)
    assert client.get("/admin/reports/document/").status_code == 200
    page = client.get(f"/admin/reports/document/{document.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/reports/document/add/").status_code == 403
    client.force_login(administrator)
    assert client.get("/admin/reports/document/").status_code == 403


def test_celery_acknowledges_late_and_limits_time_and_memory(settings):
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.worker_max_memory_per_child and conf.worker_max_tasks_per_child
    assert conf.broker_connection_retry_on_startup
    schedule = conf.beat_schedule
    sweep = schedule["reports-sweep-stale-documents"]
    assert sweep["task"] == "reports.tasks.sweep_stale_documents_task"
    # A dead worker's document goes back to the queue within two minutes (issue #11), and
    # sweeps that wait behind long renders are dropped rather than piled up.
    assert settings.REPORTS_LEASE_SECONDS + sweep["schedule"] < 120
    assert sweep["options"]["expires"] <= sweep["schedule"]
    assert 2 * leases.heartbeat_seconds() < settings.REPORTS_LEASE_SECONDS
    assert "intake-purge-pending-uploads" in schedule
    assert set(celery_app.tasks) >= {
        "reports.tasks.render_document_task",
        "reports.tasks.sweep_stale_documents_task",
    }



def test_in_process_render_failure_does_not_fail_the_request(
    legal, monkeypatch, django_capture_on_commit_callbacks
):
    """On the embedded default the render runs inside the request: a fault there leaves the
    document for the sweep instead of answering 500."""
    case = named_case()

    def broken(**_kwargs):
        raise OperationalError("database went away")

    monkeypatch.setattr(services, "render_document", broken)
    monkeypatch.setattr(render_document_task, "max_retries", 0)
    api = APIClient()
    api.force_authenticate(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/cases/{case.reference}/documents/", {"kind": "case_file"}, format="json"
        )
    assert response.status_code == 202
    assert Document.objects.get().status in (Document.Status.QUEUED, Document.Status.FAILED)


def test_a_worker_that_starts_takes_back_at_once_the_renders_of_its_hosts_dead_processes(
    legal, case, fake_renderer, media, django_capture_on_commit_callbacks
):
    # The whole worker was killed and its supervisor started another: the dead process's lease
    # has 30 seconds to run, but the new worker need not wait for it.
    soon = timezone.now() + timedelta(seconds=30)
    dead = _queued(
        case, legal, status="rendering", attempts=1, lease_token="f" * 32,
        lease_holder=f"{socket.gethostname()}:{_dead_pid()}", lease_expires_at=soon,
    )
    alive = _queued(
        case, legal, status="rendering", attempts=1, lease_token="a" * 32,
        lease_holder=f"{socket.gethostname()}:{os.getppid()}", lease_expires_at=soon,
    )
    elsewhere = _queued(
        case, legal, status="rendering", attempts=1, lease_token="b" * 32,
        lease_holder=f"another-host:{_dead_pid()}", lease_expires_at=soon,
    )
    with django_capture_on_commit_callbacks(execute=True):
        reclaim_documents_of_dead_processes(sender=None)
    for document in (dead, alive, elsewhere):
        document.refresh_from_db()
    assert (dead.status, dead.attempts, fake_renderer.calls) == ("ready", 2, 1)
    assert (alive.status, alive.lease_token) == ("rendering", "a" * 32)
    assert (elsewhere.status, elsewhere.lease_token) == ("rendering", "b" * 32)


def test_a_damaged_document_file_is_refused_on_every_download_path(legal, case, media):
    document = _ready(case, legal)
    path = media / document.file.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(Damaged):
        _client(legal).get(f"/api/v1/documents/{document.pk}/download/")
    staff = Client()
    staff.force_login(legal)
    with pytest.raises(Damaged):
        staff.get(reverse("documents:download", kwargs={"pk": document.pk}))

    path.write_bytes(bytes(data[:-10]))  # cut short
    with pytest.raises(Damaged):
        _client(legal).get(f"/api/v1/documents/{document.pk}/download/")


def test_discarding_a_document_file_destroys_its_key(legal, case, media):
    document = _ready(case, legal)
    copy = (media / document.file.name).read_bytes()

    discard(document.file.name, document.data_key)

    assert not (media / document.file.name).exists()
    assert key_store.existing_keys([document.data_key]) == set()
    with pytest.raises(key_store.KeyDestroyed):
        verify(io.BytesIO(copy), key_id=document.data_key, context=SEALED_FOR)
