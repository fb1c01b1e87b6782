"""Evidence and documents in an S3-compatible object store (moto's server, started by the test):
the settings build a private, encrypted, never-overwriting storage from the environment; a
report filed through the public API lands in the bucket encrypted and refused to anonymous
readers; legal staff get it only through the staff view, streamed by us, never by a signed URL;
a case file renders into the bucket; verify_evidence reads the bucket back. (Backup and restore
with the bucket as the source are in test_backup.py.)"""

import hashlib
import json
import urllib.error
import urllib.request
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from storages.backends.s3 import S3Storage

from intake.models import Evidence
from plumbing.keys.files import sealed_size
from reports.models import Document
from tests.factories import png_bytes
from tests.plumbing.conftest import settings_storages

pytestmark = pytest.mark.django_db


def test_the_settings_build_a_private_encrypted_storage_that_never_overwrites(object_store):
    options = settings_storages(object_store.environment("rights-desk-evidence"))["default"]
    assert options["BACKEND"] == "storages.backends.s3.S3Storage"
    options = options["OPTIONS"]
    assert options["bucket_name"] == "rights-desk-evidence"
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] <= 300
    assert options["file_overwrite"] is False
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}

    kms = settings_storages(
        {
            **object_store.environment("rights-desk-evidence"),
            "AWS_S3_SERVER_SIDE_ENCRYPTION": "aws:kms",
            "AWS_S3_SSE_KMS_KEY_ID": "alias/rights-desk",
        }
    )["default"]["OPTIONS"]
    assert kms["object_parameters"] == {
        "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/rights-desk",
    }


@pytest.mark.parametrize(
    "environment",
    [
        {"STORAGE_BACKEND": "nfs"},
        {"STORAGE_BACKEND": "s3"},  # no bucket
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "b",
            "AWS_S3_SERVER_SIDE_ENCRYPTION": "none",
        },
    ],
)
def test_the_settings_refuse_an_incomplete_or_unencrypted_storage(environment, monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    with pytest.raises(ImproperlyConfigured):
        settings_storages(environment)


@pytest.fixture
def no_signed_urls(monkeypatch) -> None:
    """Fail the test if anything asks the store for a (signed) URL of an object."""

    def refuse(self, name, *args, **kwargs):
        raise AssertionError(f"A URL of {name} was made; files must stream through our views.")

    monkeypatch.setattr(S3Storage, "url", refuse)


def _file_through_the_public_api(data: bytes) -> Evidence:
    body = {"narrative": "Agents boxed my car in and knocked my phone away.", "encounter": {}}
    response = APIClient().post(
        "/api/v1/reports/",
        {"report": json.dumps(body), "evidence": [SimpleUploadedFile("phone.png", data)]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return Evidence.objects.get()


def test_evidence_filed_through_the_api_is_encrypted_private_and_streams_only_to_staff(
    bucket, object_store, no_signed_urls, generous_rates, legal, client
):
    data = png_bytes(b"\x12\x34\x56")
    evidence = _file_through_the_public_api(data)

    s3 = object_store.client()
    head = s3.head_object(Bucket=bucket, Key=evidence.file.name)
    assert head["ServerSideEncryption"] == "AES256"
    # Sealed with the report's key before it leaves for the bucket (plumbing/keys/files.py).
    assert head["ContentLength"] == sealed_size(len(data))
    stored = s3.get_object(Bucket=bucket, Key=evidence.file.name)["Body"].read()
    assert data[:16] not in stored
    grants = s3.get_object_acl(Bucket=bucket, Key=evidence.file.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{object_store.endpoint}/{bucket}/{evidence.file.name}")  # noqa: S310
    assert refused.value.code == 403

    client.force_login(legal)
    response = client.get(
        reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})
    )
    assert response.status_code == 200
    assert "Location" not in response
    served = b"".join(response.streaming_content)
    assert hashlib.sha256(served).hexdigest() == evidence.sha256 == hashlib.sha256(data).hexdigest()
    evidence.refresh_from_db()
    assert evidence.download_count == 1


def test_a_case_file_renders_into_the_bucket_and_verify_evidence_reads_the_bucket_back(
    bucket, object_store, no_signed_urls, generous_rates, legal, django_capture_on_commit_callbacks
):
    evidence = _file_through_the_public_api(png_bytes(b"\x65\x43\x21"))
    staff = APIClient()
    staff.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/api/v1/cases/{evidence.report.case.reference}/documents/", {"kind": "case_file"},
            format="json",
        )
    assert response.status_code == 202, response.content
    document = Document.objects.get()
    assert document.status == Document.Status.READY, document.error
    head = object_store.client().head_object(Bucket=bucket, Key=document.file.name)
    assert head["ServerSideEncryption"] == "AES256"
    downloaded = staff.get(f"/api/v1/documents/{document.pk}/download/")
    assert downloaded.status_code == 200
    pdf = b"".join(downloaded.streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256

    # The admin's read-only pages and their history show no link to the store either.
    admin = Client()
    admin.force_login(legal)
    for page in (
        reverse("admin:intake_evidence_change", args=[evidence.pk]),
        reverse("admin:intake_evidence_history", args=[evidence.pk]),
        reverse("admin:reports_document_change", args=[document.pk]),
        reverse("admin:reports_document_history", args=[document.pk]),
        reverse(
            "admin:intake_evidence_simple_history",
            args=[evidence.pk, evidence.history.first().history_id],
        ),
        reverse(
            "admin:reports_document_simple_history",
            args=[document.pk, document.history.first().history_id],
        ),
    ):
        response = admin.get(page)
        assert response.status_code == 200, page
        assert object_store.endpoint not in response.content.decode()

    out = StringIO()
    call_command("verify_evidence", stdout=out)
    assert out.getvalue().splitlines() == ["Checked 2 stored files: 0 failed."]

    object_store.client().put_object(
        Bucket=bucket, Key=evidence.file.name, Body=png_bytes(b"\x00\x00\x00"),
        ServerSideEncryption="AES256",
    )
    with pytest.raises(CommandError):
        call_command("verify_evidence", stdout=(out := StringIO()))
    # A plain file in the sealed one's place is not taken for the evidence.
    assert out.getvalue().splitlines()[0] == f"intake.evidence {evidence.pk}: damaged"


def test_a_stored_name_is_never_overwritten_in_the_bucket(bucket, object_store):
    first = default_storage.save("evidence/2026/01/same.png", ContentFile(b"first"))
    second = default_storage.save("evidence/2026/01/same.png", ContentFile(b"second"))
    assert first != second
    body = object_store.client().get_object(Bucket=bucket, Key=first)["Body"].read()
    assert body == b"first"
