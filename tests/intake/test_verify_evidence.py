"""`manage.py verify_evidence`: every stored evidence file and ready document is read back through
the storage, opened from its sealed form and hashed against the SHA-256 recorded when it was
written (that of the file as received); missing, changed, damaged and keyless files are named by
id (never by the name the person gave the file) and the command fails; files are read a chunk at
a time, never whole."""

import hashlib
import tracemalloc
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from intake.evidence import SEALED_FOR
from intake.models import Evidence
from plumbing.keys import store
from plumbing.keys.files import SealingReader
from plumbing.stored_files import CHUNK_BYTES
from reports.models import Document
from tests.factories import png_bytes, report_with_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def verify() -> str:
    out = StringIO()
    call_command("verify_evidence", stdout=out)
    return out.getvalue()


def failing_verify() -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_evidence", stdout=out)
    return out.getvalue(), str(raised.value)


@pytest.fixture
def evidence_and_case_file(legal, django_capture_on_commit_callbacks) -> tuple[Evidence, Document]:
    report = report_with_evidence(
        consent_to_share_with_liaison=False, name="Ana Example at the border.png"
    )
    client = APIClient()
    client.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/cases/{report.case.reference}/documents/", {"kind": "case_file"},
            format="json",
        )
    assert response.status_code == 202, response.content
    document = Document.objects.get()
    assert document.status == Document.Status.READY
    return report.evidence.get(), document


def test_verify_evidence_passes_when_every_stored_file_has_its_recorded_bytes(
    evidence_and_case_file,
):
    assert verify().splitlines() == ["Checked 2 stored files: 0 failed."]


def test_verify_evidence_names_changed_and_missing_files_by_id_and_fails(
    evidence_and_case_file, media
):
    evidence, document = evidence_and_case_file
    # Other bytes, sealed properly with the report's own key: they open, and do not match.
    other = SealingReader(
        BytesIO(png_bytes(b"\x00\x00\x01")), key_id=evidence.report.data_key, context=SEALED_FOR
    )
    (media / evidence.file.name).write_bytes(other.read())
    default_storage.delete(document.file.name)

    output, error = failing_verify()

    assert output.splitlines() == [
        f"intake.evidence {evidence.pk}: mismatch",
        f"reports.document {document.pk}: missing",
        "Checked 2 stored files: 2 failed.",
    ]
    assert "2 stored files are missing or do not match" in error
    assert "Ana Example" not in output + error
    assert evidence.file.name not in output + error


def test_verify_evidence_names_files_that_do_not_open_or_whose_key_is_gone(
    evidence_and_case_file, media
):
    evidence, document = evidence_and_case_file
    # The plain file put in place of the sealed one: it is not taken for the evidence.
    (media / evidence.file.name).write_bytes(png_bytes())
    store.destroy_keys([document.data_key])

    output, _error = failing_verify()

    assert output.splitlines() == [
        f"intake.evidence {evidence.pk}: damaged",
        f"reports.document {document.pk}: no key",
        "Checked 2 stored files: 2 failed.",
    ]


def test_a_document_still_queued_has_no_file_yet_and_is_not_checked(legal):
    report = report_with_evidence(consent_to_share_with_liaison=False)
    client = APIClient()
    client.force_login(legal)
    # Without the commit the test never makes, the render is never started.
    response = client.post(
        f"/api/v1/cases/{report.case.reference}/documents/", {"kind": "case_file"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert Document.objects.get().status == Document.Status.QUEUED
    assert verify().splitlines() == ["Checked 1 stored files: 0 failed."]


def test_verify_evidence_reads_a_large_file_a_chunk_at_a_time(settings):
    data = png_bytes() + b"\x00" * (24 * CHUNK_BYTES)
    settings.EVIDENCE_MAX_FILE_BYTES = 2 * len(data)
    report_with_evidence(consent_to_share_with_liaison=False, data=data)
    assert Evidence.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    del data

    tracemalloc.start()
    try:
        assert verify().splitlines() == ["Checked 1 stored files: 0 failed."]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # A 24 MiB file, read in 1 MiB chunks: the peak stays a few chunks high.
    assert peak < 6 * CHUNK_BYTES
