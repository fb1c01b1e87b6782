"""The evidence files staff download carry no location, camera or owner data: the case page and
the API serve a copy made by intake/metadata, the stored original keeps its bytes and SHA-256,
legal staff alone may ask for the original (and its history row says so), and a file no clean
copy can be made of is served to no one in its place."""

import hashlib
import io
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from cases.exceptions import CaseError
from cases.services import record_evidence_download
from intake.evidence import open_stored
from plumbing.keys.files import Damaged
from tests import metadata_samples as samples
from tests.factories import report_with_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(evidence, **query) -> str:
    url = reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _api_url(evidence, **query) -> str:
    url = f"/api/v1/evidence/{evidence.pk}/download/"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _gps(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(0x8825))


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


def _photo(*, consent: bool = True, data: bytes | None = None, name: str = "stop.jpg"):
    data = data or samples.jpeg_with_location()
    return report_with_evidence(consent_to_share_with_liaison=consent, name=name, data=data)


def _stored(evidence) -> bytes:
    """The evidence as received, opened from its sealed file."""
    with open_stored(evidence) as stored:
        return stored.read()


@pytest.mark.parametrize("role", ["legal", "liaison"])
def test_the_staff_download_of_a_photo_with_gps_has_none_and_the_same_pixels(
    client, request, role
):
    original = samples.jpeg_with_location()
    evidence = _photo(data=original).evidence.get()
    assert evidence.content_type == "image/jpeg"
    client.force_login(request.getfixturevalue(role))
    response = client.get(_url(evidence))
    assert response.status_code == 200
    copy = _body(response)
    assert _gps(original) and _gps(copy) == {}
    assert samples.planted_in(copy) == []
    assert _pixels(copy) == _pixels(original)
    assert response["Content-Length"] == str(len(copy))
    assert response["X-Original-SHA256"] == evidence.sha256
    assert response["X-Evidence-Copy"] == "metadata-removed"
    assert response["Content-Disposition"] == 'attachment; filename="stop.jpg"'
    # The evidence itself is untouched.
    assert _stored(evidence) == original
    assert hashlib.sha256(_stored(evidence)).hexdigest() == evidence.sha256
    evidence.refresh_from_db()
    assert evidence.history.latest().history_change_reason == "Downloaded"


def test_legal_staff_may_download_the_original_and_its_history_says_so(client, legal):
    original = samples.jpeg_with_location()
    evidence = _photo(consent=False, data=original).evidence.get()
    client.force_login(legal)
    response = client.get(_url(evidence, original=1))
    assert response.status_code == 200
    body = _body(response)
    assert body == original
    assert _gps(body)[2] == samples.LATITUDE
    assert response["X-Evidence-Copy"] == "original"
    assert response["X-Original-SHA256"] == evidence.sha256 == hashlib.sha256(body).hexdigest()
    assert response["Content-Disposition"] == 'attachment; filename="stop_original.jpg"'
    evidence.refresh_from_db()
    assert evidence.download_count == 1
    latest = evidence.history.latest()
    assert latest.history_user == legal
    assert latest.history_change_reason == "Downloaded the original as received"


def test_a_liaison_asking_for_the_original_gets_404_like_a_missing_file(client, liaison):
    evidence = _photo(consent=True).evidence.get()
    client.force_login(liaison)
    refused = client.get(_url(evidence, original=1))
    missing = client.get(reverse("cases:download-evidence", kwargs={"evidence_id": 999999}))
    assert refused.status_code == missing.status_code == 404
    api = APIClient()
    api.force_login(liaison)
    refused = api.get(_api_url(evidence, original="true"))
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    evidence.refresh_from_db()
    assert evidence.download_count == 0


def test_the_service_refuses_to_record_an_original_for_a_liaison(liaison):
    evidence = _photo(consent=True).evidence.get()
    with pytest.raises(CaseError) as refused:
        record_evidence_download(evidence=evidence, actor=liaison, original=True)
    assert refused.value.code == "role_not_permitted"


@pytest.mark.parametrize("value", ["0", "yes", "true", ""])
def test_anything_but_original_1_on_the_page_serves_the_copy(client, legal, value):
    evidence = _photo().evidence.get()
    client.force_login(legal)
    response = client.get(_url(evidence, original=value))
    assert response["X-Evidence-Copy"] == "metadata-removed"
    assert _gps(_body(response)) == {}


def test_the_api_serves_the_copy_and_the_original_only_when_asked(legal):
    original = samples.jpeg_with_location()
    evidence = _photo(data=original).evidence.get()
    api = APIClient()
    api.force_login(legal)
    copy = api.get(_api_url(evidence), HTTP_ACCEPT="application/octet-stream")
    assert copy.status_code == 200
    assert _gps(_body(copy)) == {}
    assert copy["X-Original-SHA256"] == evidence.sha256
    kept = api.get(_api_url(evidence, original="true"))
    assert _body(kept) == original
    reasons = [row.history_change_reason for row in evidence.history.order_by("history_id")]
    assert reasons[-2:] == ["Downloaded", "Downloaded the original as received"]


@pytest.mark.parametrize("query", [{"original": "maybe"}, {"copy": "1"}])
def test_the_api_refuses_a_bad_query_without_serving_anything(legal, query):
    evidence = _photo().evidence.get()
    api = APIClient()
    api.force_login(legal)
    response = api.get(_api_url(evidence, **query))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert set(response.json()["errors"]) == set(query)
    evidence.refresh_from_db()
    assert evidence.download_count == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [("notice.pdf", samples.PDF), ("stop.jpg", samples.jpeg_with_location()[:700])],
    ids=["a type without a cleaner", "a damaged photo"],
)
def test_no_copy_no_download_and_legal_staff_are_pointed_to_the_original(
    client, legal, liaison, caplog, name, data
):
    evidence = _photo(data=data, name=name).evidence.get()
    for user in (liaison, legal):
        client.force_login(user)
        with caplog.at_level(logging.WARNING, logger="intake.evidence"):
            response = client.get(_url(evidence))
        assert response.status_code == 409
        html = response.content.decode()
        assert "This file cannot be shared" in html
        assert (f'href="{_url(evidence, original=1)}"' in html) is (user == legal)
        assert f"No shared copy of evidence {evidence.pk}" in caplog.text
    api = APIClient()
    api.force_login(liaison)
    refused = api.get(_api_url(evidence))
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_shared_copy"
    evidence.refresh_from_db()
    assert evidence.download_count == 0
    client.force_login(legal)
    assert _body(client.get(_url(evidence, original=1))) == data


def test_the_case_page_offers_legal_staff_the_original_and_says_copies_have_no_location(
    client, legal, liaison
):
    report = _photo(consent=True)
    evidence = report.evidence.get()
    page = reverse("cases:case", kwargs={"reference": report.case.reference})
    client.force_login(legal)
    html = client.get(page).content.decode()
    assert f'href="{_url(evidence)}"' in html
    assert f'href="{_url(evidence, original=1)}"' in html
    assert "Original as received (keeps location data)" in html
    assert "Downloads leave out the location, camera and owner data" in html
    client.force_login(liaison)
    html = client.get(page).content.decode()
    assert f'href="{_url(evidence)}"' in html
    assert "original=1" not in html
    assert "Downloads leave out the location, camera and owner data" in html


def test_the_case_page_links_no_copy_of_a_type_that_has_none(client, legal):
    report = _photo(data=samples.PDF, name="notice.pdf")
    evidence = report.evidence.get()
    client.force_login(legal)
    html = client.get(reverse("cases:case", kwargs={"reference": report.case.reference}))
    html = html.content.decode()
    assert f'href="{_url(evidence)}"' not in html
    assert "notice.pdf" in html
    assert "No copy without its location and camera data can be made" in html
    assert f'href="{_url(evidence, original=1)}"' in html


def _damage(evidence, how: str) -> None:
    path = Path(settings.MEDIA_ROOT) / evidence.file.name
    data = bytearray(path.read_bytes())
    if how == "flipped byte":
        data[len(data) // 2] ^= 0x01
    else:
        del data[-20:]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flipped byte", "truncated"])
@pytest.mark.parametrize("original", [False, True])
def test_a_damaged_stored_file_is_refused_and_not_counted_as_downloaded(
    client, legal, how, original
):
    evidence = _photo(consent=False).evidence.get()
    _damage(evidence, how)
    client.force_login(legal)
    client.raise_request_exception = True

    with pytest.raises(Damaged, match="altered, cut short"):
        client.get(_url(evidence, **({"original": 1} if original else {})))

    evidence.refresh_from_db()
    assert evidence.download_count == 0


def test_the_api_refuses_a_damaged_stored_file(legal):
    evidence = _photo(consent=False).evidence.get()
    _damage(evidence, "flipped byte")
    api = APIClient()
    api.force_login(legal)
    with pytest.raises(Damaged):
        api.get(_api_url(evidence, original="true"))
    evidence.refresh_from_db()
    assert evidence.download_count == 0


def test_the_stored_photo_holds_neither_its_location_nor_its_bytes_in_plain():
    original = samples.jpeg_with_location()
    evidence = _photo(data=original).evidence.get()
    stored = (Path(settings.MEDIA_ROOT) / evidence.file.name).read_bytes()
    assert samples.planted_in(stored) == []
    assert b"Exif\x00\x00" not in stored and original[:64] not in stored
    assert _stored(evidence) == original
