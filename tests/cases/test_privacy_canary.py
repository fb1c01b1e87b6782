"""The canary sweep: one person who did not consent to sharing with police liaisons, named in
every free-text field the public can fill, by a bystander who did consent, and by staff in a
note, a transition reason, a merge reason and a priority override reason. A police liaison must
find the canary nowhere (pages, API, history, search and its counts, the redacted case file,
e-mail); legal staff must find it where they should, so the sweep cannot pass by hiding all.

The fields to plant are read off the public API's input serializers, not listed by hand, and a
check below fails when the reader projection classifies a free-text or identity field that the
sweep did not fill.
"""

import io
import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader
from rest_framework import serializers
from rest_framework.test import APIClient

from cases.models import Case
from cases.privacy import FIELD_CLASSES, FieldClass
from intake.api.serializers import ReportInputSerializer
from intake.models import (
    Complainant,
    Encounter,
    Evidence,
    Report,
    ReportAddition,
    ReportMessage,
    Witness,
)
from tests.intake.test_api import tiny_png

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zephyrine", "Quillfeather"
NAME = f"{FIRST} {LAST}"
EMAIL = "zq.canary@example.net"
PHONE = "+1 612 555 0199"
FILE_NAME = "zephyrine_quillfeather_stop.png"
# Every token that would tell a reader who the canary is.
TOKENS = (FIRST, LAST, EMAIL, "555 0199", "5550199", "zephyrine_quillfeather")
CANARY = f"{NAME} ({EMAIL}, {PHONE})"

# Fields the public cannot fill, classified and checked elsewhere: press sources' own fields
# (tests/reports), coordinates (numbers).
NOT_PUBLIC = {
    (Report, "source_headline"),
    (Report, "source_outlet"),
    (Encounter, "latitude"),
    (Encounter, "longitude"),
}
PUBLIC_MODELS = (
    Report, Complainant, Encounter, Witness, Evidence, ReportAddition, ReportMessage,
)


@pytest.fixture(autouse=True)
def generous_rates(settings, tmp_path):
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def _text_fields(serializer: serializers.Serializer) -> dict[str, object]:
    """Every free-text input of `serializer`, nested ones included, filled with the canary (or
    the canary's own name, e-mail or phone where the field holds exactly that)."""
    body: dict[str, object] = {}
    for name, field in serializer.fields.items():
        child = getattr(field, "child", None)
        if isinstance(child, serializers.Serializer):
            body[name] = [_text_fields(child)]
        elif isinstance(field, serializers.Serializer):
            body[name] = _text_fields(field)
        elif isinstance(field, serializers.EmailField):
            body[name] = EMAIL
        elif isinstance(field, serializers.ChoiceField | serializers.RegexField):
            continue
        elif type(field) is serializers.CharField:
            value = {"name": NAME, "phone": PHONE, "contact": PHONE}.get(name, CANARY)
            body[name] = value[: field.max_length] if field.max_length else value
    return body


def canary_report() -> dict[str, object]:
    body = _text_fields(ReportInputSerializer())
    body.update(consent_to_share_with_liaison=False, consent_to_contact=False, language="en")
    body["complainants"] = [{**body["complainants"][0], "role": "affected"}]  # type: ignore[index]
    body["encounter"].update(  # type: ignore[union-attr]
        city="Minneapolis", state="MN", kinds=["weapons-drawn"], agencies=["ice"]
    )
    return body


def _file(client: APIClient, body: dict[str, object], *files: tuple[str, bytes]) -> Case:
    return _filed(client, body, *files)[0]


def _filed(
    client: APIClient, body: dict[str, object], *files: tuple[str, bytes]
) -> tuple[Case, dict[str, str]]:
    if files:
        response = client.post(
            "/api/v1/reports/",
            {
                "report": json.dumps(body),
                "evidence": [SimpleUploadedFile(name, content) for name, content in files],
                "evidence_description": [CANARY for _ in files],
            },
            format="multipart",
        )
    else:
        response = client.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.content
    receipt = response.json()
    return Report.objects.get(tracking_code=receipt["tracking_code"]).case, receipt


@pytest.fixture
def canary_case(legal, liaison) -> Case:
    public = APIClient()
    case, receipt = _filed(public, canary_report(), (FILE_NAME, tiny_png()))
    bystander = _file(
        public,
        {
            "narrative": f"I watched agents arrest {NAME} outside the store. Write to {EMAIL}.",
            "consent_to_share_with_liaison": True,
            "complainants": [{"role": "witness", "name": "Bram Otterly"}],
            "encounter": {"city": "Minneapolis", "state": "MN", "kinds": ["detained"]},
        },
    )
    staff = APIClient()
    staff.force_authenticate(legal)
    base = f"/api/v1/cases/{case.reference}"
    for path, payload in (
        ("/merge/", {"duplicates": [bystander.reference], "reason": f"Same arrest of {NAME}"}),
        ("/notes/", {"body": f"Called {NAME} at {PHONE}.", "visibility": "staff"}),
        ("/transition/", {"to": "triaged", "reason": f"{NAME} confirmed it by phone"}),
        ("/assign/", {"assignee": liaison.pk, "reason": f"{LAST} asked for a liaison"}),
    ):
        seen = f'"{Case.objects.get(pk=case.pk).version}"'
        response = staff.post(base + path, payload, format="json", HTTP_IF_MATCH=seen)
        assert response.status_code in (200, 201), response.content
    staff_client = _session(legal)
    response = staff_client.post(
        f"/staff/cases/{case.reference}/priority/",
        {
            "priority-priority": "4",
            "priority-reason": f"{NAME} fears retaliation",
            "priority-version": str(Case.objects.get(pk=case.pk).version),
        },
    )
    assert response.status_code == 302, response.content
    # Staff ask the person a question; they come back, answer it and add to their report.
    asked = staff.post(
        base + "/questions/",
        {"report": receipt["tracking_code"], "body": f"Is {NAME} the person they stopped?"},
        format="json",
    )
    assert asked.status_code == 201, asked.content
    reporter = APIClient()
    signed_in = reporter.post(
        "/report/status/",
        {"tracking_code": receipt["tracking_code"], "secret": receipt["secret"]},
    )
    assert signed_in.status_code == 302
    answered = reporter.post(
        f"/report/your-report/questions/{asked.json()['id']}/answer/", {"body": CANARY}
    )
    assert answered.status_code == 302, answered.content
    added = reporter.post(
        "/report/your-report/add/",
        {
            "kind": "correction",
            "body": CANARY,
            "files": [SimpleUploadedFile(FILE_NAME, tiny_png())],
            "description": CANARY,
            "witness_name": NAME,
            "witness_contact": PHONE,
            "witness_statement": CANARY,
        },
    )
    assert added.status_code == 302, added.content
    case.refresh_from_db()
    assert case.priority_override_reason.startswith(NAME)
    return case


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def everything_a_reader_gets(user, case: Case, on_commit) -> dict[str, str]:
    """What `user` can read about `case`: every staff page and case API answer, each search,
    the redacted case file's text, and every e-mail sent so far."""
    client = _session(user)
    seen: dict[str, str] = {}
    for path in (
        "/staff/cases/",
        f"/staff/cases/{case.reference}/",
        "/api/v1/cases/",
        "/api/v1/cases/?include_merged=true",
        f"/api/v1/cases/{case.reference}/",
        f"/api/v1/cases/{case.reference}/history/",
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        seen[path] = response.content.decode()
    if user.has_perm("cases.merge_case"):  # the case page's possible duplicates, after it loads
        path = f"/staff/cases/{case.reference}/duplicates/"
        for headers in ({"HX-Request": "true"}, {}):
            response = client.get(path, headers=headers, follow=True)
            assert response.status_code == 200, path
            seen[f"{path} {headers}"] = response.content.decode()
    with on_commit(execute=True):  # the render is queued once the request commits
        asked = client.post(
            f"/api/v1/cases/{case.reference}/documents/",
            {"kind": "redacted_case_file"},
            format="json",
        )
    assert asked.status_code == 202, asked.content
    document = client.get(f"/api/v1/documents/{asked.json()['id']}/")
    seen["document"] = document.content.decode()
    download = client.get(f"/api/v1/documents/{asked.json()['id']}/download/")
    assert download.status_code == 200
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    seen["redacted case file"] = "\n".join(page.extract_text() for page in pdf.pages)
    for number, message in enumerate(mail.outbox):
        seen[f"e-mail {number}"] = "\n".join([message.subject, message.body, *message.to])
    return seen


def search_hits(user, case: Case) -> dict[str, tuple[int, bool, bool]]:
    """For each token: the API's count, whether the API lists the case, whether the queue
    page does."""
    client = _session(user)
    hits = {}
    for token in (*TOKENS, "withheld"):
        api = client.get("/api/v1/cases/", {"q": token, "include_merged": "true"}).json()
        page = client.get("/staff/cases/", {"q": token}).content.decode()
        listed = case.reference in [row["reference"] for row in api["results"]]
        hits[token] = (api["count"], listed, case.reference in page)
    return hits


def test_the_sweep_plants_the_canary_in_every_field_the_projection_protects(canary_case):
    missed = []
    for model in PUBLIC_MODELS:
        rows = list(model.objects.filter(**_of_case(model, canary_case)))
        assert rows, model
        for name, kind in FIELD_CLASSES[model].items():
            if kind not in (FieldClass.SCRUBBED, FieldClass.IDENTITY, FieldClass.NAME):
                continue
            if (model, name) in NOT_PUBLIC:
                continue
            if not any(_holds_canary(getattr(row, name)) for row in rows):
                missed.append(f"{model.__name__}.{name}")
    assert missed == []


def _of_case(model: type, case: Case) -> dict[str, object]:
    return {"case": case} if model is Report else {"report__case": case}


def _holds_canary(value: object) -> bool:
    text = str(value or "").lower()
    return any(token.lower() in text for token in TOKENS)


def test_liaison_finds_the_canary_nowhere(
    canary_case, liaison, django_capture_on_commit_callbacks
):
    seen = everything_a_reader_gets(liaison, canary_case, django_capture_on_commit_callbacks)
    leaks = {
        where: [token for token in TOKENS if token.lower() in text.lower()]
        for where, text in seen.items()
    }
    assert {where: found for where, found in leaks.items() if found} == {}
    # The pages still say what happened: the sweep did not pass by showing nothing.
    assert "Weapons drawn" in seen[f"/staff/cases/{canary_case.reference}/"]
    assert "Redacted" in seen["redacted case file"]
    assert "Bram Otterly" in seen[f"/api/v1/cases/{canary_case.reference}/"]


def test_liaison_search_for_the_canary_finds_nothing(canary_case, liaison):
    assert search_hits(liaison, canary_case) == {
        token: (0, False, False) for token in (*TOKENS, "withheld")
    }


def test_legal_staff_see_the_canary_where_they_should(
    canary_case, legal, django_capture_on_commit_callbacks
):
    seen = everything_a_reader_gets(legal, canary_case, django_capture_on_commit_callbacks)
    page = seen[f"/staff/cases/{canary_case.reference}/"]
    detail = seen[f"/api/v1/cases/{canary_case.reference}/"]
    history = seen[f"/api/v1/cases/{canary_case.reference}/history/"]
    for text in (page, detail):
        assert NAME in text and EMAIL in text and FILE_NAME in text
    assert f"Called {NAME}" in history and f"{NAME} fears retaliation" in history
    # What the person wrote back, and staff's question, reach legal staff whole.
    assert f"Is {NAME} the person they stopped?" in page and CANARY in page
    assert CANARY in history and CANARY in detail
    # The redacted file is for sharing: it names nobody, whoever asks for it.
    assert not any(token.lower() in seen["redacted case file"].lower() for token in TOKENS)
    # Staff e-mail never carries identities, for any reader.
    assert not any(
        token.lower() in text.lower()
        for where, text in seen.items()
        if where.startswith("e-mail")
        for token in TOKENS
    )
