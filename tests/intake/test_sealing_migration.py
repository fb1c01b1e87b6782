"""The data migrations that seal the evidence files and rendered documents stored before files
were sealed at rest (intake 0020, reports 0031): each file is sealed into a new file with the
right key, the row and a history row point at it, the plain file is gone, the recorded SHA-256
still matches the file as received, and a second run changes nothing."""

import hashlib
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from intake.evidence import open_stored
from reports import document_files
from reports.models import Document
from tests import metadata_samples as samples
from tests.factories import report_with_evidence

pytestmark = pytest.mark.django_db

seal_evidence = importlib.import_module("intake.migrations.0020_seal_evidence_files")
seal_documents = importlib.import_module("reports.migrations.0031_seal_document_files")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _plain_in_place(name: str, data: bytes) -> str:
    """What an older version stored: the plain file, under a name of its own."""
    return default_storage.save(name.replace(".", "-plain.", 1), ContentFile(data))


def test_evidence_stored_plain_is_sealed_with_its_reports_key_and_the_plain_file_removed():
    photo = samples.jpeg_with_location()
    report = report_with_evidence(consent_to_share_with_liaison=False, name="x.jpg", data=photo)
    evidence = report.evidence.get()
    old = _plain_in_place(evidence.file.name, photo)
    type(evidence).objects.filter(pk=evidence.pk).update(file=old)
    # (An older report has its data key by now: intake 0012 gives one to every report.)

    seal_evidence.seal_evidence(apps, None)

    evidence.refresh_from_db()
    report.refresh_from_db()
    assert evidence.data_key == report.data_key is not None
    assert evidence.file.name != old and not default_storage.exists(old)
    stored = (Path(settings.MEDIA_ROOT) / evidence.file.name).read_bytes()
    assert samples.planted_in(stored) == [] and b"Exif" not in stored
    with open_stored(evidence) as opened:
        assert hashlib.sha256(opened.read()).hexdigest() == evidence.sha256
    latest = evidence.history.latest()
    assert latest.file == evidence.file.name
    assert latest.history_change_reason == "Stored sealed at rest"
    rows = evidence.history.count()

    seal_evidence.seal_evidence(apps, None)  # a second run: nothing to do
    assert type(evidence).objects.get(pk=evidence.pk).file.name == evidence.file.name
    assert evidence.history.count() == rows


def test_a_rendered_document_stored_plain_gets_a_key_of_its_own(
    legal, django_capture_on_commit_callbacks
):
    report = report_with_evidence(consent_to_share_with_liaison=False)
    client = APIClient()
    client.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/cases/{report.case.reference}/documents/", {"kind": "case_file"},
            format="json",
        )
    document = Document.objects.get(status=Document.Status.READY)
    with document_files.open_sealed(document) as opened:
        pdf = opened.read()
    old = _plain_in_place(document.file.name, pdf)
    Document.objects.filter(pk=document.pk).update(file=old, data_key=None)

    seal_documents.seal_documents(apps, None)

    document.refresh_from_db()
    assert document.data_key is not None and not default_storage.exists(old)
    assert b"%PDF" not in (Path(settings.MEDIA_ROOT) / document.file.name).read_bytes()
    with document_files.open_sealed(document) as opened:
        assert hashlib.sha256(opened.read()).hexdigest() == document.sha256
    assert document.history.latest().history_change_reason == "Stored sealed at rest"


def test_reversing_the_migration_stores_the_evidence_plain_again():
    photo = samples.jpeg_with_location()
    evidence = report_with_evidence(
        consent_to_share_with_liaison=False, name="x.jpg", data=photo
    ).evidence.get()

    seal_evidence.open_evidence(apps, None)

    evidence.refresh_from_db()
    assert (Path(settings.MEDIA_ROOT) / evidence.file.name).read_bytes() == photo
