"""Files at rest, tried as a thief holding a copy of the media folder but not the keys: after a
report is filed through the public form with a photo that knows where it was taken and a file
named after the person, and its full case file is rendered, no file under MEDIA_ROOT holds the
person's name, a phrase of the narrative, the photo's Exif, camera or location data, or the case
file's PDF. Staff still get what they should: a police liaison and legal staff download the
photo without its location, legal staff's forensic original is the uploaded file, byte for
byte, with the recorded SHA-256."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from intake import drafts
from intake.models import Report
from reports.document_files import open_sealed
from reports.models import Document
from tests import metadata_samples as samples
from tests.intake.test_web_form import (
    ANSWERS,
    WITNESSES,
    post_step,
    receipt_values,
    tiny_png,
    url,
)

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zephyrine", "Quillfeather"
NAME = f"{FIRST} {LAST}"
NARRATIVE = "Two unmarked SUVs boxed in the blue Corolla outside the laundromat on Zane."
PHOTO_NAME = "zephyrine_quillfeather_stop.jpg"
NAMED_FILE = "Zephyrine Quillfeather ID card.png"


@pytest.fixture(autouse=True)
def _fresh_cache_and_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


def _file_through_the_public_form(client, photo: bytes, django_capture_on_commit_callbacks):
    answers = {
        **ANSWERS,
        "identity": {**ANSWERS["identity"], "name": NAME},
        "account": {"narrative": NARRATIVE},
        "contact": {**ANSWERS["contact"], "consent_to_share_with_liaison": "on"},
    }
    for slug in ("about", "identity", "what", "when", "who", "why"):
        response = post_step(client, slug, answers[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
    for witness in WITNESSES:
        assert post_step(client, "witnesses", {**witness, "action": "add"}).status_code == 302
    post_step(client, "witnesses", {"action": "continue"})
    uploads = [
        SimpleUploadedFile(PHOTO_NAME, photo, content_type="image/jpeg"),
        SimpleUploadedFile(NAMED_FILE, tiny_png(), content_type="image/png"),
    ]
    response = post_step(
        client, "evidence", {"files": uploads, "description": NAME, "action": "upload"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # While the report is being filled in, its files wait sealed too.
    _assert_nothing_in_plain(photo)
    post_step(client, "evidence", {"action": "continue"})
    post_step(client, "account", answers["account"])
    assert post_step(client, "contact", answers["contact"])["Location"] == url("review")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review"), {})
    assert response.status_code == 200
    code, _secret = receipt_values(response)
    return Report.objects.get(tracking_code=code)


def _render_case_file(legal, report, django_capture_on_commit_callbacks) -> Document:
    api = APIClient()
    api.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/cases/{report.case.reference}/documents/", {"kind": "case_file"},
            format="json",
        )
    assert response.status_code == 202, response.content
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == Document.Status.READY
    return document


def _assert_nothing_in_plain(photo: bytes) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    assert media not in Path(settings.KEYSTORE_PATH).parents
    files = [path for path in media.rglob("*") if path.is_file()]
    forbidden = [
        FIRST.encode(), LAST.encode(), FIRST.lower().encode(), LAST.lower().encode(),
        NAME.encode("utf-16-le"), b"boxed in the blue Corolla", b"laundromat",
        b"Exif\x00\x00", b"%PDF", b"\x89PNG", photo[:32],
        photo[200:264], photo[-64:],
        *[value if isinstance(value, bytes) else value.encode() for value in samples.PLANTED],
    ]
    found = [
        (path.relative_to(media), marker)
        for path in files
        for marker in forbidden
        if marker in path.read_bytes()
    ]
    assert found == []
    return files


def _gps(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(0x8825))


def test_a_copy_of_the_media_folder_names_no_one_and_holds_no_photo_location_or_case_file(
    client, legal, liaison, django_capture_on_commit_callbacks
):
    photo = samples.jpeg_with_location()
    assert _gps(photo)[2] == samples.LATITUDE
    report = _file_through_the_public_form(client, photo, django_capture_on_commit_callbacks)
    document = _render_case_file(legal, report, django_capture_on_commit_callbacks)

    files = _assert_nothing_in_plain(photo)

    # What was scanned: the two evidence files and the case file, and no pending upload left.
    evidence = list(report.evidence.order_by("pk"))
    stored = {Path(settings.MEDIA_ROOT) / name for name in [e.file.name for e in evidence]}
    assert stored | {Path(settings.MEDIA_ROOT) / document.file.name} == set(files)
    assert not (Path(settings.MEDIA_ROOT) / drafts.PENDING_DIR).exists() or not any(
        (Path(settings.MEDIA_ROOT) / drafts.PENDING_DIR).iterdir()
    )
    # The case file itself opens, with the key the media folder does not hold.
    with open_sealed(document) as opened:
        pdf = opened.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256


def test_staff_download_the_photo_without_location_and_legal_staff_the_exact_original(
    client, legal, liaison, django_capture_on_commit_callbacks
):
    photo = samples.jpeg_with_location()
    report = _file_through_the_public_form(client, photo, django_capture_on_commit_callbacks)
    # Names are sealed at rest: found by reading them, not by a query.
    [evidence] = [one for one in report.evidence.all() if one.original_name == PHOTO_NAME]
    assert evidence.sha256 == hashlib.sha256(photo).hexdigest()
    download = reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})

    for user in (liaison, legal):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200
        copy = b"".join(response.streaming_content)
        assert _gps(copy) == {} and samples.planted_in(copy) == []

    client.force_login(legal)
    response = client.get(download + "?original=1")
    assert response.status_code == 200
    original = b"".join(response.streaming_content)
    assert original == photo
    assert hashlib.sha256(original).hexdigest() == evidence.sha256
    assert response["X-Original-SHA256"] == evidence.sha256
    assert response["Content-Length"] == str(len(photo))
