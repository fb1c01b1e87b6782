"""The public reporting API: filing, status lookups, reference lists, errors, limits, schema."""

import hashlib
import json
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from cases.services import transition_case
from intake import ratelimit
from intake.api.errors import service_errors
from intake.api.throttles import SUBMIT_SCOPE
from intake.evidence import open_stored
from intake.inputs import SourceInput
from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    Evidence,
    PerceivedBasis,
    Report,
    Witness,
)
from intake.services import submit_report
from intake.tracking import secret_matches
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
STATUS = "/api/v1/reports/status/"


@pytest.fixture(autouse=True)
def generous_rates(settings):
    """Most tests file many reports; the throttling tests set their own rates."""
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    settings.INTAKE_STATUS_LOOKUP_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


def tiny_png() -> bytes:
    """A real 1x1 PNG, built here so the test needs no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xcc\x33\x33")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def windows_executable() -> bytes:
    """The start of a PE file: the bytes say program, whatever the name says."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\0\0"


def full_report(**changes) -> dict:
    body = {
        "narrative": "Two unmarked SUVs boxed my car in. Four agents drew guns, asked for papers.",
        "language": "en",
        "consent_to_contact": True,
        "consent_to_share_with_liaison": False,
        "complainants": [
            {
                "role": "affected",
                "name": "Ana Example",
                "email": "ana@example.org",
                "phone": "+1 612 555 0100",
                "safe_to_contact": True,
                "preferred_language": "es",
                "race_ethnicity": "Latina",
                "occupation": "Police officer (off duty)",
            }
        ],
        "encounter": {
            "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
            "occurred_at_is_approximate": True,
            "address": "Brooklyn Blvd and Zane Ave N",
            "city": "Brooklyn Park",
            "state": "mn",
            "latitude": 45.0941234567,
            "longitude": -93.3563,
            "kinds": ["boxed-in", "weapons-drawn", "papers-demanded", "boxed-in"],
            "agencies": ["ice", "border-patrol"],
            "agent_count": 4,
            "vehicle_count": 2,
            "vehicle_description": "Two black SUVs, no markings",
            "plates": "ABC123",
            "agents_identified": "no",
            "perceived_basis": ["skin-colour", "other"],
            "perceived_basis_other": "My car has a Somali radio sticker",
            "injuries": "",
            "outcome": "They left once I showed my badge.",
        },
        "witnesses": [
            {"name": "Neighbour", "contact": "612 555 0101", "willing_to_be_contacted": True},
            {"statement": "I filmed it from the bus stop."},
        ],
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = body
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return body


DELETE = object()


def multipart(report: dict | str, *files: tuple[str, bytes], **extra) -> dict:
    parts = {"report": report if isinstance(report, str) else json.dumps(report), **extra}
    if files:
        parts["evidence"] = [SimpleUploadedFile(name, content) for name, content in files]
    return parts


def errors_at(response, *path: str) -> list[dict]:
    node = response.json()["errors"]
    for key in path:
        node = node[key]
    return node


def nothing_written() -> bool:
    return (
        Case.objects.count()
        == Report.objects.count()
        == Encounter.objects.count()
        == Complainant.objects.count()
        == Witness.objects.count()
        == Evidence.objects.count()
        == 0
    )


def stored_evidence_files() -> set[str]:
    root = Path(default_storage.location) / "evidence"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# -- Filing ---------------------------------------------------------------------------------


def test_full_json_report_creates_case_report_encounter_complainants_and_witnesses(client):
    response = client.post(REPORTS, full_report(), format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"tracking_code", "secret", "status", "status_label", "submitted_at"}
    assert answer["status"] == "new"
    assert "no-store" in response["Cache-Control"]
    report = Report.objects.get()
    assert report.tracking_code == answer["tracking_code"]
    assert report.channel == Report.Channel.API
    assert answer["secret"] not in report.secret_hash
    assert secret_matches(answer["secret"], report.secret_hash)
    assert report.consent_to_contact and not report.consent_to_share_with_liaison
    assert report.case.status == Case.Status.NEW
    assert report.case.priority == Case.Priority.HIGH  # boxed in / weapons drawn: severity 3

    encounter = report.encounter
    assert encounter.city == "Brooklyn Park"
    assert encounter.state == "MN"
    assert str(encounter.latitude) == "45.094123"
    assert encounter.agents_identified == "no"
    assert set(encounter.kinds.values_list("code", flat=True)) == {
        "boxed-in",
        "weapons-drawn",
        "papers-demanded",
    }
    assert set(encounter.agencies.values_list("code", flat=True)) == {"ice", "border-patrol"}
    assert set(encounter.perceived_basis.values_list("code", flat=True)) == {
        "skin-colour",
        "other",
    }
    complainant = report.complainants.get()
    assert (complainant.name, complainant.preferred_language) == ("Ana Example", "es")
    assert complainant.occupation == "Police officer (off duty)"
    # Read through the rows: the column holds the name sealed (plumbing/keys/fields.py).
    assert [witness.name for witness in report.witnesses.all()] == ["Neighbour", ""]

    for row in (
        report.case,
        report,
        encounter,
        complainant,
        *report.witnesses.all(),
    ):
        history = row.history.get()
        assert history.history_change_reason == "submitted via API"
        assert history.history_user is None


def test_minimal_report_needs_only_a_narrative_and_an_encounter(client):
    response = client.post(
        REPORTS, {"narrative": "They stopped me.", "encounter": {}}, format="json"
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.complainants.count() == 0
    assert report.encounter.agents_identified == "unknown"
    assert not report.consent_to_contact and not report.consent_to_share_with_liaison


def test_report_language_defaults_to_the_requests_language(client):
    body = full_report(language=DELETE)
    response = client.post(REPORTS, body, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 201
    assert Report.objects.get().language == "es"


def test_anonymous_report_keeps_no_identity(client):
    body = full_report(complainants=[{"role": "affected", "is_anonymous": True}])
    response = client.post(REPORTS, body, format="json")
    assert response.status_code == 201
    person = Complainant.objects.get()
    assert person.is_anonymous and person.name == person.email == person.phone == ""


def test_multipart_report_with_a_png_stores_the_evidence_with_its_sha256(client):
    png = tiny_png()
    response = client.post(
        REPORTS,
        multipart(full_report(), ("my photo.png", png), evidence_description=["The SUVs"]),
        format="multipart",
    )

    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get()
    assert evidence.report.tracking_code == response.json()["tracking_code"]
    assert evidence.sha256 == hashlib.sha256(png).hexdigest()
    assert evidence.content_type == "image/png"
    assert evidence.size == len(png)
    assert evidence.original_name == "my photo.png"
    assert evidence.description == "The SUVs"
    assert "my photo" not in evidence.file.name
    with default_storage.open(evidence.file.name) as stored:
        assert png[:16] not in stored.read()  # stored sealed
    with open_stored(evidence) as opened:
        assert opened.read() == png
    assert evidence.history.get().history_change_reason == "submitted via API"


def test_multipart_report_part_may_be_sent_as_a_json_file(client):
    report_file = SimpleUploadedFile(
        "report.json", json.dumps(full_report()).encode(), content_type="application/json"
    )
    response = client.post(
        REPORTS,
        {"report": report_file, "evidence": [SimpleUploadedFile("a.png", tiny_png())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert Evidence.objects.count() == 1


def test_executable_named_jpg_is_refused_with_a_field_error_and_nothing_written(client):
    before = stored_evidence_files()
    response = client.post(
        REPORTS,
        multipart(full_report(), ("photo.png", tiny_png()), ("photo.jpg", windows_executable())),
        format="multipart",
    )

    assert response.status_code == 400
    assert errors_at(response, "evidence", "1")[0]["code"] == "file_refused"
    assert "photo.jpg" in errors_at(response, "evidence", "1")[0]["message"]
    assert "0" not in response.json()["errors"]["evidence"]
    assert nothing_written()
    assert stored_evidence_files() == before


def test_empty_evidence_file_is_refused(client):
    response = client.post(REPORTS, multipart(full_report(), ("a.png", b"")), format="multipart")
    assert response.status_code == 400
    assert errors_at(response, "evidence", "0")[0]["code"] == "empty"
    assert nothing_written()


def test_evidence_over_the_size_limit_is_refused(client, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 50
    response = client.post(
        REPORTS, multipart(full_report(), ("a.png", tiny_png())), format="multipart"
    )
    assert response.status_code == 400
    assert errors_at(response, "evidence", "0")[0]["code"] == "file_refused"
    assert nothing_written()


def test_errors_in_a_multipart_report_are_named_under_report(client):
    body = full_report(encounter__kinds=["teleported"])
    response = client.post(REPORTS, multipart(body, ("a.png", tiny_png())), format="multipart")
    assert response.status_code == 400
    assert errors_at(response, "report", "encounter", "kinds")[0]["code"] == "unknown_code"
    assert nothing_written()


@pytest.mark.parametrize(
    ("report_part", "code"),
    [("{not json", "invalid_json"), ("[1, 2]", "non_field_errors"), ("", "invalid_json")],
)
def test_unreadable_report_part_is_named(client, report_part, code):
    response = client.post(REPORTS, multipart(report_part), format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]["report"]
    if code == "non_field_errors":
        assert "non_field_errors" in errors
    else:
        assert errors[0]["code"] == code
    assert nothing_written()


def test_more_descriptions_than_files_is_refused(client):
    response = client.post(
        REPORTS,
        multipart(full_report(), ("a.png", tiny_png()), evidence_description=["a", "b"]),
        format="multipart",
    )
    assert response.status_code == 400
    assert "evidence_description" in response.json()["errors"]
    assert nothing_written()


# -- Refusals name the field ----------------------------------------------------------------

future = (timezone.now() + timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"encounter__kinds": ["boxed-in", "teleported"]}, "encounter.kinds", "unknown_code"),
        ({"encounter__agencies": ["ice", "kgb"]}, "encounter.agencies", "unknown_code"),
        ({"encounter__perceived_basis": ["horoscope"]}, "encounter.perceived_basis", None),
        ({"encounter__occurred_at": future}, "encounter.occurred_at", "future_date"),
        ({"encounter__occurred_at": "last tuesday"}, "encounter.occurred_at", "invalid"),
        ({"narrative": "x" * 20_001}, "narrative", "max_length"),
        ({"narrative": "   "}, "narrative", "blank"),
        ({"narrative": DELETE}, "narrative", "required"),
        ({"encounter": DELETE}, "encounter", "required"),
        ({"witnesses__1__name": "x" * 201}, "witnesses.1.name", "max_length"),
        ({"complainants__0__name": "x" * 201}, "complainants.0.name", "max_length"),
        ({"complainants__0__email": "not-an-address"}, "complainants.0.email", "invalid"),
        ({"complainants__0__role": "bystander"}, "complainants.0.role", "invalid_choice"),
        ({"encounter__plates": "x" * 201}, "encounter.plates", "max_length"),
        ({"encounter__state": "Minnesota"}, "encounter.state", None),
        ({"narrative": {"text": "hi"}}, "narrative", "invalid"),
        ({"narrative": None}, "narrative", "null"),
        ({"consent_to_contact": "maybe"}, "consent_to_contact", "invalid"),
        ({"encounter__agent_count": "many"}, "encounter.agent_count", "invalid"),
        ({"encounter__agent_count": -1}, "encounter.agent_count", "min_value"),
        ({"encounter__vehicle_count": 10**6}, "encounter.vehicle_count", "max_value"),
        ({"encounter__kinds": "boxed-in"}, "encounter.kinds", "not_a_list"),
        ({"encounter__kinds": [["boxed-in"]]}, "encounter.kinds.0", "invalid"),
        ({"encounter__latitude": 91}, "encounter.latitude", "max_value"),
        ({"encounter__latitude": "north"}, "encounter.latitude", "invalid"),
        ({"encounter__longitude": None}, "encounter.longitude", "incomplete_coordinates"),
        ({"encounter__agents_identified": "sort of"}, "encounter.agents_identified", None),
        ({"witnesses": {"name": "x"}}, "witnesses", "not_a_list"),
        ({"witnesses": [{}] * 21}, "witnesses", "max_length"),
        ({"encounter": ["boxed-in"]}, "encounter.non_field_errors", "invalid"),
        ({"language": "fr"}, "language", "invalid_choice"),
        ({"narrative": "nul\x00byte"}, "narrative", "null_characters_not_allowed"),
        ({"kinds": ["boxed-in"]}, "kinds", "unknown_field"),
        ({"encounter__kind": ["boxed-in"]}, "encounter.kind", "unknown_field"),
        (
            {"complainants": [{"role": "affected", "is_anonymous": True, "name": "Ana"}]},
            "complainants.0.name",
            "anonymous_with_identity",
        ),
    ],
)
def test_bad_report_is_refused_naming_the_field_and_nothing_is_written(client, changes, path, code):
    response = client.post(REPORTS, full_report(**changes), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    messages = errors_at(response, *path.split("."))
    assert messages and all(m["message"] for m in messages)
    if code is not None:
        assert code in {m["code"] for m in messages}
    assert nothing_written()


def test_every_bad_field_is_named_in_one_answer(client):
    body = full_report(
        narrative="",
        encounter__kinds=["teleported"],
        encounter__agent_count="four",
        witnesses__1__name="x" * 500,
    )
    response = client.post(REPORTS, body, format="json")
    errors = response.json()["errors"]
    assert set(errors) == {"narrative", "encounter", "witnesses"}
    assert set(errors["encounter"]) == {"kinds", "agent_count"}
    assert set(errors["witnesses"]) == {"1"}


def test_retired_encounter_kind_is_refused(client):
    EncounterKind.objects.filter(code="boxed-in").update(is_active=False)
    response = client.post(REPORTS, full_report(), format="json")
    assert response.status_code == 400
    assert "boxed-in" in errors_at(response, "encounter", "kinds")[0]["message"]
    assert nothing_written()


def test_a_kind_retired_in_the_admin_is_refused_at_once(client, admin_client):
    """The reference tables are kept in memory (intake/reference.py); a save drops them."""
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    kind = EncounterKind.objects.get(code="boxed-in")
    kind.is_active = False
    kind.save()
    response = client.post(REPORTS, full_report(), format="json")
    assert response.status_code == 400
    assert "boxed-in" in errors_at(response, "encounter", "kinds")[0]["message"]


def test_a_report_is_filed_in_a_fixed_number_of_queries(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """What one report costs the database, counted statement by statement (docs/performance.md,
    P2): the reference tables come from memory, the case is written once (with its search text
    and codes), the complainants are not read back to decide who gets the acknowledgement, and
    no savepoint but the one that retries a tracking code.
    The outbox hands the acknowledgement to the broker after the commit (tests/plumbing)."""
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    postgres = connection.vendor == "postgresql"
    # The case's number: the year's sequence on PostgreSQL; on SQLite its counter row, read,
    # moved and read again.
    number = (
        ["SELECT nextval"]
        if postgres
        else ["SELECT cases_casesequence", "UPDATE cases_casesequence", "SELECT cases_casesequence"]
    )
    # The test's transaction makes submit_report's a savepoint: SAVEPOINT and RELEASE.
    expected = [
        "SAVEPOINT",
        *number,
        "INSERT cases_case",
        "INSERT cases_historicalcase",
        # The savepoint that lets a colliding tracking code be drawn again.
        "SAVEPOINT",
        "INSERT intake_report",
        "INSERT intake_historicalreport",
        "RELEASE",
        "INSERT intake_encounter",
        "INSERT intake_historicalencounter",
        "INSERT intake_encounter_kinds",
        "INSERT intake_encounter_agencies",
        "INSERT intake_encounter_perceived_basis",
        "INSERT intake_complainant",
        "INSERT intake_historicalcomplainant",
        "INSERT intake_witness",
        "INSERT intake_historicalwitness",
        "INSERT outbox_outboxmessage",
        *(["SELECT pg_advisory_xact_lock"] if postgres else []),
        "INSERT reports_statisticstally",
        "RELEASE",
    ]
    with (
        django_capture_on_commit_callbacks() as callbacks,
        django_assert_num_queries(len(expected)) as queries,
    ):
        response = client.post(REPORTS, full_report(), format="json")
    assert response.status_code == 201
    assert [_statement(query["sql"]) for query in queries.captured_queries] == expected
    assert len(callbacks) == 1


def _statement(sql: str) -> str:
    """`INSERT table`, `UPDATE table`, `SELECT table` (or the function it calls), or the
    command."""
    words = sql.replace('"', "").split()
    if words[0] == "INSERT":
        return f"INSERT {words[2]}"
    if words[0] == "UPDATE":
        return f"UPDATE {words[1]}"
    if words[0] == "SELECT":
        if "FROM" in words and not words[words.index("FROM") + 1].startswith("("):
            return f"SELECT {words[words.index('FROM') + 1]}"
        return f"SELECT {words[1].split('(')[0]}"
    return words[0]


def test_refusals_of_the_service_are_named_like_the_request(client, monkeypatch):
    """Rules only submit_report knows still come back under the field's name."""

    def refuse(**kwargs):
        raise DjangoValidationError(
            {
                "encounter.occurred_at": ["The date cannot be in the future."],
                "witnesses.1.name": DjangoValidationError("Too long.", code="max_length"),
                "report.narrative": ["Empty."],
                "report.external_id": ["Taken."],
            }
        )

    monkeypatch.setattr("intake.api.views.submit_report", refuse)
    response = client.post(REPORTS, full_report(), format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["encounter"]["occurred_at"][0]["code"] == "future_date"
    assert errors["witnesses"]["1"]["name"] == [{"code": "max_length", "message": "Too long."}]
    assert errors["narrative"][0]["message"] == "Empty."
    assert errors["non_field_errors"][0]["message"] == "Taken."


def test_service_errors_of_a_multipart_request_sit_under_report_except_evidence():
    error = DjangoValidationError(
        {
            "encounter.kinds": ["Unknown value: x."],
            "complainants.0": ["An anonymous report cannot include a name or contact."],
            "evidence.2": ["Not a photo."],
        }
    )
    mapped = service_errors(
        error, known_fields={"encounter", "complainants"}, report_prefix=("report",)
    )
    assert mapped["report"]["encounter"]["kinds"][0].code == "unknown_code"
    assert mapped["report"]["complainants"]["0"]["non_field_errors"][0].code == (
        "anonymous_with_identity"
    )
    assert mapped["evidence"]["2"][0].code == "file_refused"


def test_invalid_json_body_is_a_malformed_request(client):
    response = client.post(REPORTS, b'{"narrative": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"narrative": NaN}', b"\xff\xfe\x00bad", b"null", b"42"],
    ids=["deeply-nested", "nan", "not-utf8", "null", "number"],
)
def test_hostile_json_bodies_get_a_400(client, body):
    response = client.post(REPORTS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_request", "invalid"}
    assert nothing_written()


def test_oversized_json_body_is_refused_with_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    response = client.post(REPORTS, full_report(narrative="x" * 5_000), format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert nothing_written()


def test_too_many_multipart_fields_is_refused_not_a_server_error(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    parts = multipart(full_report(), evidence_description=["x"] * 10)
    response = client.post(REPORTS, parts, format="multipart")
    assert response.status_code == 413
    assert nothing_written()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"{MULTIPART_CONTENT}; charset=rot13", encode_multipart(BOUNDARY, {"report": "{}"})),
        (MULTIPART_CONTENT, encode_multipart(BOUNDARY, {"report": "{}"})[:40]),
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data\r\n\r\n--x--"),
        ("multipart/form-data; boundary=", b"garbage"),
        ("text/plain", b"narrative=hi"),
        ("application/x-www-form-urlencoded", b"narrative=hi"),
    ],
    ids=["non-text-charset", "truncated", "no-boundary", "empty-boundary", "text", "form"],
)
def test_malformed_bodies_never_cause_a_server_error(client, content_type, body):
    response = client.generic("POST", REPORTS, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {
        "invalid",
        "malformed_request",
        "unsupported_media_type",
    }
    assert nothing_written()


def test_only_post_is_accepted_for_reports(client):
    response = client.get(REPORTS)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# -- Status lookup --------------------------------------------------------------------------


@pytest.fixture
def filed(client):
    answer = client.post(REPORTS, full_report(), format="json").json()
    return answer["tracking_code"], answer["secret"]


def test_status_lookup_by_post_answers_status_and_last_update_only(client, filed):
    code, secret = filed
    response = client.post(STATUS, {"tracking_code": code, "secret": secret}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tracking_code", "status", "status_label", "last_update"}
    assert body["status"] == "new"
    assert "no-store" in response["Cache-Control"]


def test_status_lookup_by_get_works_too(client, filed):
    code, secret = filed
    response = client.get(STATUS, {"tracking_code": code, "secret": secret})
    assert response.status_code == 200
    assert response.json()["tracking_code"] == code


def test_status_lookup_accepts_the_code_as_people_type_it(client, filed):
    code, secret = filed
    typed = code.lower().replace("-", " ")
    response = client.post(
        STATUS, {"tracking_code": typed, "secret": secret.lower()}, format="json"
    )
    assert response.status_code == 200


def test_status_follows_the_case_through_the_workflow(client, filed, liaison):
    code, secret = filed
    case = Report.objects.get(tracking_code=code).case
    transition_case(
        case=case,
        to=Case.Status.TRIAGED,
        actor=liaison,
        reason="Looked at it",
        expected_version=None,
    )
    body = client.post(STATUS, {"tracking_code": code, "secret": secret}, format="json").json()
    assert body["status"] == "triaged"
    assert body["last_update"] != ""


def test_wrong_secret_and_unknown_code_get_the_same_404(client, filed):
    code, secret = filed
    wrong_secret = client.post(STATUS, {"tracking_code": code, "secret": "AAAA"}, format="json")
    unknown_code = client.post(
        STATUS, {"tracking_code": "RD-2222-2222", "secret": secret}, format="json"
    )
    by_get = client.get(STATUS, {"tracking_code": code, "secret": "AAAA"})
    assert wrong_secret.status_code == unknown_code.status_code == by_get.status_code == 404
    assert wrong_secret.content == unknown_code.content == by_get.content
    assert wrong_secret.json()["code"] == "not_found"


def test_unknown_code_still_does_the_secret_comparison(client, monkeypatch):
    calls = []
    real = secret_matches

    def counting(secret, stored):
        calls.append(stored)
        return real(secret, stored)

    monkeypatch.setattr("intake.selectors.tracking.secret_matches", counting)
    response = client.post(
        STATUS, {"tracking_code": "RD-2222-2222", "secret": "ABCD"}, format="json"
    )
    assert response.status_code == 404
    assert calls == [""]


def test_press_report_has_no_secret_to_match(client, legal):
    receipt = submit_report(
        submission=ReportSubmissionFactory(source=SourceInput(file="article-1.txt")),
        channel=Report.Channel.PRESS,
        actor=legal,
    )
    assert receipt.report.secret_hash == ""
    for secret in ("anything", "0000"):
        response = client.post(
            STATUS, {"tracking_code": receipt.tracking_code, "secret": secret}, format="json"
        )
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [({"secret": "x"}, "tracking_code"), ({"tracking_code": "RD-2222-2222"}, "secret")],
)
def test_status_lookup_names_a_missing_field(client, params, field):
    response = client.get(STATUS, params)
    assert response.status_code == 400
    assert response.json()["errors"][field][0]["code"] == "required"


def test_status_lookup_refuses_an_overlong_secret(client):
    response = client.post(
        STATUS, {"tracking_code": "RD-2222-2222", "secret": "A" * 10_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["secret"][0]["code"] == "max_length"


# -- Throttling -----------------------------------------------------------------------------


def _rates(settings, *, submit="1000/minute", status="1000/minute"):
    settings.INTAKE_SUBMISSION_RATE = submit
    settings.INTAKE_STATUS_LOOKUP_RATE = status
    cache.clear()


def test_filing_is_throttled_per_address(client, settings):
    _rates(settings, submit="2/hour")
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    assert client.post(REPORTS, {"narrative": ""}, format="json").status_code == 400
    response = client.post(REPORTS, full_report(), format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert Report.objects.count() == 1

    other_address = client.post(REPORTS, full_report(), format="json", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 201


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, settings):
    _rates(settings, submit="1/hour")
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    response = client.post(
        REPORTS, full_report(), format="json", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert response.status_code == 429


def test_the_api_and_the_web_form_share_one_budget_per_address(client, settings, rf):
    _rates(settings, submit="3/hour")
    form_request = rf.post("/report/", REMOTE_ADDR="127.0.0.1")
    for _ in range(2):  # two reports sent on the web form from the same address
        assert ratelimit.hit(SUBMIT_SCOPE, form_request, ratelimit.parse_rate("3/hour"))
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    assert client.post(REPORTS, full_report(), format="json").status_code == 429


def test_status_lookups_are_throttled(client, settings, filed):
    _rates(settings, status="3/hour")
    code, secret = filed
    for guess in ("AAAA", "BBBB", "CCCC"):
        assert client.get(STATUS, {"tracking_code": code, "secret": guess}).status_code == 404
    response = client.post(STATUS, {"tracking_code": code, "secret": secret}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_reference_lists_are_not_throttled_by_filing(client, settings):
    _rates(settings, submit="1/hour")
    client.post(REPORTS, full_report(), format="json")
    assert client.post(REPORTS, full_report(), format="json").status_code == 429
    assert client.get("/api/v1/agencies/").status_code == 200


# -- Reference lists ------------------------------------------------------------------------


def test_agencies_list_only_active_agencies_with_codes_and_parents(
    client, django_assert_num_queries
):
    Agency.objects.filter(code="hennepin-sheriff").update(is_active=False)
    with django_assert_num_queries(1):
        response = client.get("/api/v1/agencies/")
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert "hennepin-sheriff" not in by_code
    assert by_code["ice"]["parent"] == "dhs"
    assert by_code["ice"]["short_name"] == "ICE"
    assert by_code["dhs"]["parent"] is None
    assert len(by_code) == Agency.objects.filter(is_active=True).count()


def test_encounter_kinds_list_only_active_kinds_in_order(client, django_assert_num_queries):
    EncounterKind.objects.filter(code="shots-fired").update(is_active=False)
    with django_assert_num_queries(1):
        response = client.get("/api/v1/encounter-kinds/")
    codes = [row["code"] for row in response.json()]
    assert "shots-fired" not in codes
    assert codes == list(
        EncounterKind.objects.filter(is_active=True).values_list("code", flat=True)
    )
    first = response.json()[0]
    assert set(first) == {"code", "label", "public_label"}


def test_perceived_bases_are_listed(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/api/v1/perceived-bases/")
    assert [row["code"] for row in response.json()] == list(
        PerceivedBasis.objects.values_list("code", flat=True)
    )


# -- Who may use these endpoints ------------------------------------------------------------

ROLES = ["anonymous", "liaison", "legal", "administrator", "no_role_user"]


@pytest.fixture(params=ROLES)
def caller(request):
    """An API client as each role, signed in through a session that enforces CSRF: the
    public endpoints answer everyone alike and need no CSRF token."""
    api = APIClient(enforce_csrf_checks=True)
    if request.param != "anonymous":
        api.force_login(request.getfixturevalue(request.param))
    return api


def test_every_role_may_file_a_report_recorded_without_a_user(caller):
    response = caller.post(REPORTS, full_report(), format="json")
    assert response.status_code == 201
    assert Report.objects.get().history.get().history_user is None


def test_every_role_may_look_up_a_status(caller, filed):
    code, secret = filed
    response = caller.post(STATUS, {"tracking_code": code, "secret": secret}, format="json")
    assert response.status_code == 200
    assert caller.get(STATUS, {"tracking_code": code, "secret": "x"}).status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/agencies/", "/api/v1/encounter-kinds/", "/api/v1/perceived-bases/"]
)
def test_every_role_may_read_the_reference_lists(caller, url):
    response = caller.get(url)
    assert response.status_code == 200
    assert response.json()


def test_a_bad_token_is_ignored_rather_than_refused(client):
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.post(REPORTS, full_report(), format="json").status_code == 201
    assert client.get("/api/v1/agencies/").status_code == 200


# -- Schema and docs ------------------------------------------------------------------------


def test_openapi_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    schema = json.loads(target.read_text())
    paths = schema["paths"]
    submit = paths["/api/v1/reports/"]["post"]
    assert set(submit["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"201", "400", "413", "415", "429"} <= set(submit["responses"])
    status_ops = paths["/api/v1/reports/status/"]
    assert {"404", "429"} <= set(status_ops["get"]["responses"])
    assert {"404", "429"} <= set(status_ops["post"]["responses"])
    for url in ("/api/v1/agencies/", "/api/v1/encounter-kinds/", "/api/v1/perceived-bases/"):
        assert paths[url]["get"]["responses"]["200"]["content"]["application/json"]
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    components = schema["components"]["schemas"]
    evidence = components["ReportMultipartInputRequest"]["properties"]["evidence"]
    assert evidence["items"]["format"] == "binary"


def test_api_docs_load_only_our_own_static_files(client, settings):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert references, html
    for reference in references:
        assert reference.startswith(f"/{settings.STATIC_URL.strip('/')}/"), reference
    assert "drf_spectacular_sidecar" in html
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr", html, re.IGNORECASE)
