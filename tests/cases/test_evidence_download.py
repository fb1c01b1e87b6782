"""Evidence downloads: legal staff always, police liaisons only with the complainant's consent to
share with liaisons, 404 for everyone else; the bytes are the ones uploaded, the headers keep the
browser from showing or sniffing them, and every download is a history row naming the user."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accesslog.models import AccessKind, AccessLogEntry
from cases.evidence_downloads import EvidenceNotFound, download_evidence
from cases.exceptions import CaseError
from cases.services import record_evidence_download
from intake.evidence import download_name
from intake.models import Evidence
from tests.factories import png_bytes, report_with_evidence

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_role_user", "administrator", "liaison", "legal"]
# role -> may download (without consent, with consent)
MAY_DOWNLOAD = {
    "anonymous": (False, False),
    "no_role_user": (False, False),
    "administrator": (False, False),
    "liaison": (False, True),
    "legal": (True, True),
}


def _url(evidence) -> str:
    return reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})


def _api_url(evidence) -> str:
    return f"/api/v1/evidence/{evidence.pk}/download/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("consent", [False, True])
def test_download_page_role_matrix(client, request, role, consent):
    evidence = report_with_evidence(consent_to_share_with_liaison=consent).evidence.get()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(_url(evidence))
    allowed = MAY_DOWNLOAD[role][consent]
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("cases:login"))
    elif allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
    evidence.refresh_from_db()
    assert evidence.download_count == (1 if allowed else 0)


def test_a_withheld_file_answers_exactly_like_a_missing_one(client, liaison):
    evidence = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    client.force_login(liaison)
    withheld = client.get(_url(evidence))
    missing = client.get(reverse("cases:download-evidence", kwargs={"evidence_id": 999999}))
    assert withheld.status_code == missing.status_code == 404
    assert withheld.content == missing.content
    api = APIClient()
    api.force_login(liaison)
    withheld, missing = api.get(_api_url(evidence)), api.get("/api/v1/evidence/999999/download/")
    assert withheld.status_code == missing.status_code == 404
    assert withheld.json() == missing.json()
    assert withheld.json()["code"] == "not_found"


def test_the_file_is_the_uploaded_bytes_as_a_safe_attachment(client, legal):
    data = png_bytes(b"\x10\x20\x30")
    report = report_with_evidence(
        consent_to_share_with_liaison=False, name='Foto año "quoted"; x=y.html', data=data
    )
    evidence = report.evidence.get()
    client.force_login(legal)
    response = client.get(_url(evidence))
    body = _body(response)
    assert body == data
    assert hashlib.sha256(body).hexdigest() == evidence.sha256
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="Foto_ano_quoted_x_y.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Length"] == str(len(data))


def test_each_download_is_a_history_row_with_the_user(client, liaison, legal):
    evidence = report_with_evidence(consent_to_share_with_liaison=True).evidence.get()
    for user in (liaison, legal, liaison):
        client.force_login(user)
        assert client.get(_url(evidence)).status_code == 200
    evidence.refresh_from_db()
    assert evidence.download_count == 3
    downloads = list(
        evidence.history.filter(history_change_reason="Downloaded").order_by("history_id")
    )
    assert [row.history_user for row in downloads] == [liaison, legal, liaison]
    assert [row.download_count for row in downloads] == [1, 2, 3]


def test_downloads_are_on_the_case_timeline(client, legal):
    report = report_with_evidence(consent_to_share_with_liaison=False, name="stop.png")
    evidence = report.evidence.get()
    client.force_login(legal)
    client.get(_url(evidence))
    html = client.get(reverse("cases:case", kwargs={"reference": report.case.reference}))
    timeline = html.content.decode().split('id="timeline"')[1]
    assert "Evidence stop.png changed" in timeline
    assert "Downloaded" in timeline


def test_only_get_downloads(client, legal):
    evidence = report_with_evidence(consent_to_share_with_liaison=True).evidence.get()
    client.force_login(legal)
    assert client.post(_url(evidence)).status_code == 405
    assert client.head(_url(evidence)).status_code == 405
    evidence.refresh_from_db()
    assert evidence.download_count == 0


@pytest.mark.parametrize(("role", "consent", "linked"), [
    ("liaison", False, False),
    ("liaison", True, True),
    ("legal", False, True),
])
def test_case_page_links_the_file_only_where_it_may_be_downloaded(
    client, request, role, consent, linked
):
    report = report_with_evidence(consent_to_share_with_liaison=consent)
    evidence = report.evidence.get()
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("cases:case", kwargs={"reference": report.case.reference}))
    html = html.content.decode()
    assert (f'href="{_url(evidence)}"' in html) is linked
    assert evidence.sha256 in html
    assert ("Download withheld" in html) is not linked


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("consent", [False, True])
def test_api_download_role_matrix(request, role, consent):
    data = png_bytes(b"\x01\x02\x03")
    evidence = report_with_evidence(consent_to_share_with_liaison=consent, data=data).evidence.get()
    api = APIClient()
    if role != "anonymous":
        api.force_login(request.getfixturevalue(role))
    response = api.get(_api_url(evidence), HTTP_ACCEPT="application/octet-stream")
    allowed = MAY_DOWNLOAD[role][consent]
    if role == "anonymous":
        assert response.status_code == 401
    elif role in ("no_role_user", "administrator"):
        assert response.status_code == 403
    elif allowed:
        assert response.status_code == 200
        assert _body(response) == data
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "no-store"
    else:
        assert response.status_code == 404
    evidence.refresh_from_db()
    assert evidence.download_count == (1 if allowed else 0)
    if allowed:
        assert evidence.history.latest().history_user == request.getfixturevalue(role)


@pytest.mark.parametrize(("role", "consent", "offered"), [
    ("liaison", False, False),
    ("liaison", True, True),
    ("legal", False, True),
])
def test_case_detail_offers_a_download_url_only_where_permitted(request, role, consent, offered):
    report = report_with_evidence(consent_to_share_with_liaison=consent)
    api = APIClient()
    api.force_login(request.getfixturevalue(role))
    detail = api.get(f"/api/v1/cases/{report.case.reference}/").json()
    evidence = detail["reports"][0]["evidence"][0]
    if offered:
        assert evidence["download_url"].endswith(_api_url(report.evidence.get()))
    else:
        assert evidence["download_url"] is None


def test_the_service_refuses_a_liaison_without_consent(liaison):
    evidence = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    with pytest.raises(CaseError) as refused:
        record_evidence_download(evidence=evidence, actor=liaison)
    assert refused.value.code == "role_not_permitted"
    evidence.refresh_from_db()
    assert evidence.download_count == 0


def test_the_page_and_the_api_answer_a_download_with_the_same_file_and_headers(client, legal):
    evidence = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    client.force_login(legal)
    page = client.get(_url(evidence))
    api = APIClient()
    api.force_authenticate(legal)
    answer = api.get(_api_url(evidence))
    assert page.status_code == answer.status_code == 200
    assert _body(page) == _body(answer)
    for header in ("Content-Type", "Content-Disposition", "X-Content-Type-Options",
                   "Cache-Control", "Content-Security-Policy", "X-Original-SHA256",
                   "X-Evidence-Copy"):
        assert page[header] == answer[header], header
    evidence.refresh_from_db()
    assert evidence.download_count == 2


def test_a_file_the_reader_may_not_have_is_missing_and_nothing_is_recorded(rf, liaison):
    evidence = report_with_evidence(consent_to_share_with_liaison=True).evidence.get()
    withheld = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    request = rf.get("/")
    request.user = liaison
    for asked, original in ((withheld, False), (evidence, True), (evidence.pk + 1000, False)):
        evidence_id = asked if isinstance(asked, int) else asked.pk
        with pytest.raises(EvidenceNotFound):
            download_evidence(request=request, evidence_id=evidence_id, original=original)
    assert not AccessLogEntry.objects.filter(kind=AccessKind.EVIDENCE_DOWNLOAD).exists()
    assert {e.download_count for e in Evidence.objects.all()} == {0}


@pytest.mark.parametrize(("original", "expected"), [
    ("photo.png", "photo.png"),
    ("../../etc/passwd", "passwd.png"),
    ("C:\\Users\\ana\\Foto año.JPG", "Foto_ano.png"),
    ('a"b;c\r\nSet-Cookie: x.html', "a_b_c_Set-Cookie_x.png"),
    ("report.pdf.exe", "report_pdf.png"),
    (".htaccess", "htaccess.png"),
    ("日本.png", "evidence.png"),
    ("", "evidence.png"),
])
def test_download_names_are_sanitised_and_keep_the_real_type(original, expected):
    assert download_name(original, "evidence/2026/01/0123abcd.png") == expected
