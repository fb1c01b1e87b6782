"""The staff case API: roles, visibility of identities and notes, filters, the workflow, merging,
token auth and query counts."""

import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api_tokens.services import create_api_token
from cases.api.serializers.errors import APIErrorCode
from cases.exceptions import ErrorCode
from cases.models import Case, CaseNote
from cases.services import add_note, assign_case, override_priority, transition_case
from intake.inputs import ComplainantInput, EvidenceInput, FactInput, SourceInput
from intake.models import Encounter, Report
from intake.services import submit_report
from tests.factories import (
    EncounterInputFactory,
    ReportSubmissionFactory,
    WitnessInputFactory,
)

pytestmark = pytest.mark.django_db

SECRET_NAME = "Marisol Quintanilla-Ortega"
SECRET_EMAIL = "marisol.q@example.net"
SECRET_WITNESS = "Bartholomew Okonkwo-Lindqvist"


def _case(consent: bool = False, **encounter) -> Case:
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(**encounter),
        consent_to_share_with_liaison=consent,
        complainants=(
            ComplainantInput(
                role="affected",
                name=SECRET_NAME,
                email=SECRET_EMAIL,
                phone="+1 612 555 0199",
                race_ethnicity="Latina",
                occupation="Police officer",
            ),
        ),
        witnesses=(WitnessInputFactory(name=SECRET_WITNESS, contact="bo@example.net"),),
    )
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _url(case: Case, action: str = "") -> str:
    return f"/api/v1/cases/{case.reference}/" + (f"{action}/" if action else "")


def _if_match(case: Case) -> dict[str, str]:
    """The header a write sends: the case's ETag as it is now (a client that just read it)."""
    return {"HTTP_IF_MATCH": f'"{Case.objects.get(pk=case.pk).version}"'}


def _refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["results"]}


# -- Role matrix ----------------------------------------------------------------------------

_BODIES = {
    "transition": {"to": "triaged", "reason": "Read it"},
    "notes": {"body": "Called the complainant back."},
    "assign": {"assignee": None, "reason": ""},
}


def _every_operation(case: Case, duplicate: Case) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", "/api/v1/cases/", None),
        ("get", _url(case), None),
        ("get", _url(case, "history"), None),
        ("post", _url(case, "transition"), _BODIES["transition"]),
        ("post", _url(case, "notes"), _BODIES["notes"]),
        ("post", _url(case, "assign"), _BODIES["assign"]),
        ("post", _url(case, "merge"), {"duplicates": [duplicate.reference], "reason": "Same"}),
    ]


def test_anonymous_callers_are_told_to_authenticate_on_every_endpoint():
    case, duplicate = _case(), _case()
    for method, url, body in _every_operation(case, duplicate):
        response = getattr(_client(), method)(url, body, format="json", **_if_match(case))
        assert response.status_code == 401, url
        assert response.json()["code"] == APIErrorCode.NOT_AUTHENTICATED
        assert response["WWW-Authenticate"] == "Token"
    assert Case.objects.get(pk=case.pk).status == Case.Status.NEW


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_users_without_case_access_are_refused_on_every_endpoint(request, role):
    user = request.getfixturevalue(role)
    case, duplicate = _case(), _case()
    for method, url, body in _every_operation(case, duplicate):
        response = getattr(_client(user), method)(url, body, format="json", **_if_match(case))
        assert response.status_code == 403, url
        assert response.json()["code"] == ErrorCode.ROLE_NOT_PERMITTED
        assert SECRET_NAME not in response.content.decode()
    case.refresh_from_db()
    duplicate.refresh_from_db()
    assert (case.status, duplicate.merged_into_id) == (Case.Status.NEW, None)
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("role", ["liaison", "legal"])
def test_case_workers_may_use_every_endpoint(request, role):
    user = request.getfixturevalue(role)
    case, duplicate = _case(), _case()
    expected = [200, 200, 200, 200, 201, 200, 200]
    for (method, url, body), code in zip(_every_operation(case, duplicate), expected, strict=True):
        response = getattr(_client(user), method)(url, body, format="json", **_if_match(case))
        assert response.status_code == code, (url, response.content)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == case.pk


def test_unknown_and_invisible_cases_answer_the_same_404(liaison, no_role_user):
    case = _case()
    missing = _client(liaison).get("/api/v1/cases/RD-1999-999999/")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "No case has this reference."}
    for action in ("history", "transition", "notes", "merge", "assign"):
        method = "get" if action == "history" else "post"
        response = getattr(_client(liaison), method)(
            f"/api/v1/cases/RD-1999-999999/{action}/", {}, format="json"
        )
        assert response.status_code == 404, action
    assert _client(liaison).get(_url(case)).status_code == 200


def test_there_is_no_generic_update(liaison):
    case = _case()
    for method in ("put", "patch", "delete"):
        response = getattr(_client(liaison), method)(
            _url(case), {"status": "closed", "assignee": liaison.pk}, format="json"
        )
        assert response.status_code == 405
        assert response.json()["code"] == APIErrorCode.METHOD_NOT_ALLOWED
    case.refresh_from_db()
    assert (case.status, case.assignee_id) == (Case.Status.NEW, None)


def test_token_authentication_works(liaison):
    case = _case()
    key = create_api_token(user=liaison, name="case API").key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(_url(case)).status_code == 200
    response = client.post(
        _url(case, "transition"), {"to": "triaged"}, format="json", **_if_match(case)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "triaged"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(_url(case)).status_code == 401


# -- Identities and legal-only notes --------------------------------------------------------


def test_liaison_gets_no_identity_of_a_non_consenting_complainant(liaison):
    case = _case(consent=False)
    for url in (_url(case), _url(case, "history"), "/api/v1/cases/?q=boxed"):
        text = _client(liaison).get(url).content.decode()
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_WITNESS, "bo@example.net", "Latina"):
            assert secret not in text, (url, secret)
    report = _client(liaison).get(_url(case)).json()["reports"][0]
    complainant = report["complainants"][0]
    assert complainant["identity_withheld"] is True
    assert [complainant[f] for f in ("name", "email", "phone", "race_ethnicity", "occupation")] == [
        None
    ] * 5
    assert (report["witnesses"][0]["name"], report["witnesses"][0]["identity_withheld"]) == (
        None,
        True,
    )


def test_liaison_sees_the_identity_of_a_consenting_complainant(liaison):
    case = _case(consent=True)
    complainant = _client(liaison).get(_url(case)).json()["reports"][0]["complainants"][0]
    assert (complainant["name"], complainant["email"]) == (SECRET_NAME, SECRET_EMAIL)
    assert complainant["identity_withheld"] is False


def test_legal_sees_every_identity(legal):
    case = _case(consent=False)
    report = _client(legal).get(_url(case)).json()["reports"][0]
    assert report["complainants"][0]["name"] == SECRET_NAME
    assert report["complainants"][0]["email"] == SECRET_EMAIL
    assert report["complainants"][0]["identity_withheld"] is False
    assert report["witnesses"][0]["name"] == SECRET_WITNESS


def test_legal_only_notes_are_absent_for_liaison_in_detail_and_history(liaison, legal):
    case = _case()
    add_note(case=case, author=legal, body="Privileged litigation strategy", visibility="legal")
    add_note(case=case, author=liaison, body="Called the precinct")
    for url in (_url(case), _url(case, "history")):
        text = _client(liaison).get(url).content.decode()
        assert "Privileged litigation strategy" not in text
        assert "Called the precinct" in text
        assert "Privileged litigation strategy" in _client(legal).get(url).content.decode()
    notes = _client(liaison).get(_url(case)).json()["notes"]
    assert [n["visibility"] for n in notes] == ["staff"]


def test_liaison_cannot_write_a_legal_only_note(liaison, legal):
    case = _case()
    response = _client(liaison).post(
        _url(case, "notes"), {"body": "secret", "visibility": "legal"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == ErrorCode.ROLE_NOT_PERMITTED
    assert not CaseNote.objects.exists()
    response = _client(legal).post(
        _url(case, "notes"), {"body": "secret", "visibility": "legal"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["author"]["username"] == "legal"


def test_empty_note_is_refused_with_its_code(liaison):
    case = _case()
    response = _client(liaison).post(_url(case, "notes"), {"body": "   "}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.EMPTY_NOTE


def test_detail_shows_encounter_codes_evidence_facts_and_conflicts(liaison):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01"
           b"\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
    case = submit_report(
        submission=ReportSubmissionFactory(
            evidence=(EvidenceInput(file=SimpleUploadedFile("p.png", png, "image/png")),),
            facts=(FactInput(topic="chief", label="Police chief", value="Mark Bruley"),),
        ),
        channel="web",
    ).report.case
    submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(file="article-2.txt", headline="Officer stopped"),
            facts=(FactInput(topic="chief", label="Police chief", value="Mark Rooley"),),
        ),
        channel="press",
        actor=liaison,
        case=case,
    )
    data = _client(liaison).get(_url(case)).json()
    first, second = data["reports"]
    assert first["encounter"]["kinds"] == ["boxed-in", "weapons-drawn"]
    assert first["encounter"]["agencies"] == ["ice"]
    assert len(first["evidence"][0]["sha256"]) == 64
    assert first["source"] is None  # filed through the web form, not from the press
    assert second["source"] == {
        "headline": "Officer stopped",
        "outlet": "",
        "author": "",
        "published_on": None,
        "url": "",
        "checked": False,
    }
    [conflict] = data["conflicts"]
    assert conflict["topic"] == "chief"
    assert {v["value"] for v in conflict["versions"]} == {"Mark Bruley", "Mark Rooley"}
    assert data["allowed_transitions"] == ["triaged", "closed"]


def test_detail_answers_null_for_a_report_without_an_encounter(liaison):
    case = _case()
    report = case.reports.get()
    Encounter.objects.filter(report=report).delete()
    response = _client(liaison).get(_url(case))
    assert response.status_code == 200
    [shown] = response.json()["reports"]
    assert shown["encounter"] is None
    assert shown["tracking_code"] == report.tracking_code


# -- Queue filters ----------------------------------------------------------------------------


def test_queue_filters_and_search_narrow_the_results(liaison, other_liaison):
    boxed = _case(kind_codes=("boxed-in",), agency_codes=("cbp",), city="Saint Paul",
                  plates="XYZ987")
    guns = _case(kind_codes=("weapons-drawn",), agency_codes=("ice",), city="Minneapolis")
    assign_case(case=guns, assignee=liaison, actor=liaison, expected_version=None)
    transition_case(case=boxed, to="triaged", actor=liaison, expected_version=None)
    client = _client(liaison)
    assert _refs(client.get("/api/v1/cases/")) == {boxed.reference, guns.reference}
    assert _refs(client.get("/api/v1/cases/?kind=boxed-in")) == {boxed.reference}
    assert _refs(client.get("/api/v1/cases/?agency=ice")) == {guns.reference}
    assert _refs(client.get("/api/v1/cases/?city=saint%20paul")) == {boxed.reference}
    assert _refs(client.get("/api/v1/cases/?weapons_drawn=true")) == {guns.reference}
    assert _refs(client.get("/api/v1/cases/?weapons_drawn=false")) == {boxed.reference}
    assert _refs(client.get("/api/v1/cases/?assignee=mine")) == {guns.reference}
    assert _refs(client.get("/api/v1/cases/?assignee=unassigned")) == {boxed.reference}
    assert _refs(client.get(f"/api/v1/cases/?assignee={liaison.pk}")) == {guns.reference}
    assert _refs(client.get("/api/v1/cases/?status=triaged")) == {boxed.reference}
    assert _refs(client.get("/api/v1/cases/?status=new,triaged")) == {
        boxed.reference,
        guns.reference,
    }
    assert _refs(client.get("/api/v1/cases/?q=XYZ987")) == {boxed.reference}
    assert _refs(client.get("/api/v1/cases/?has_evidence=true")) == set()
    override_priority(
        case=guns,
        priority=Case.Priority.URGENT,
        actor=liaison,
        reason="Guns",
        expected_version=None,
    )
    override_priority(
        case=boxed, priority=Case.Priority.LOW, actor=liaison, reason="Calm", expected_version=None
    )
    assert _refs(client.get("/api/v1/cases/?priority=4")) == {guns.reference}
    assert _refs(client.get("/api/v1/cases/?priority=1&priority=4")) == {
        boxed.reference,
        guns.reference,
    }
    ordered = client.get("/api/v1/cases/?ordering=priority").json()["results"]
    assert [row["reference"] for row in ordered] == [guns.reference, boxed.reference]
    ordered = client.get("/api/v1/cases/?ordering=oldest").json()["results"]
    assert [row["reference"] for row in ordered] == [boxed.reference, guns.reference]
    response = client.get("/api/v1/cases/?status=triaged")
    assert response.json()["status_counts"]["new"] == 1
    assert response.json()["count"] == 1


def test_queue_rows_show_kinds_agencies_and_assignee(liaison):
    case = _case(kind_codes=("boxed-in", "weapons-drawn"), agency_codes=("ice",))
    assign_case(case=case, assignee=liaison, actor=liaison, expected_version=None)
    [row] = _client(liaison).get("/api/v1/cases/").json()["results"]
    assert row["kinds"] == ["boxed-in", "weapons-drawn"]
    assert row["agencies"] == ["ice"]
    assert row["assignee"] == {"id": liaison.pk, "username": "liaison"}


def test_queue_filters_by_occurrence_dates(liaison):
    january = _case(occurred_at=datetime(2026, 1, 7, 18, tzinfo=UTC))
    _case(occurred_at=datetime(2025, 12, 1, 18, tzinfo=UTC))
    response = _client(liaison).get(
        "/api/v1/cases/?occurred_from=2026-01-01&occurred_to=2026-01-31"
    )
    assert _refs(response) == {january.reference}


@pytest.mark.parametrize(
    "query, bad",
    [
        ("status=open", "status"),
        ("priority=9", "priority"),
        ("kind=no-such-kind", "kind"),
        ("agency=nsa", "agency"),
        ("occurred_from=yesterday", "occurred_from"),
        ("occurred_from=2026-02-01&occurred_to=2026-01-01", "occurred_to"),
        ("assignee=someone", "assignee"),
        ("has_evidence=perhaps", "has_evidence"),
        ("weapons_drawn=2", "weapons_drawn"),
        ("ordering=alphabetical", "ordering"),
        ("stauts=new", "stauts"),
        ("city=a&city=b", "city"),
    ],
)
def test_bad_filter_value_is_refused_naming_the_parameter(liaison, query, bad):
    _case()
    response = _client(liaison).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == APIErrorCode.INVALID_PARAMETER
    assert list(body["errors"]) == [bad]
    assert bad in body["detail"]


def test_dates_out_of_order_are_refused_saying_which_comes_first(liaison):
    query = "occurred_from=2026-02-01&occurred_to=2026-01-01"
    response = _client(liaison).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"occurred_to": ["Must not be before occurred_from."]}


def test_merged_cases_leave_the_queue_but_keep_their_detail(liaison):
    survivor, duplicate = _case(), _case()
    _client(liaison).post(
        _url(survivor, "merge"), {"duplicates": [duplicate.reference], "reason": "Same"},
        format="json",
        **_if_match(survivor),
    )
    assert _refs(_client(liaison).get("/api/v1/cases/")) == {survivor.reference}
    assert _refs(_client(liaison).get("/api/v1/cases/?include_merged=true")) == {
        survivor.reference,
        duplicate.reference,
    }
    detail = _client(liaison).get(_url(duplicate))
    assert detail.status_code == 200
    assert detail.json()["merged_into"] == survivor.reference
    assert detail.json()["allowed_transitions"] == []
    assert _client(liaison).get(_url(survivor)).json()["merged_into"] is None


# -- Workflow -------------------------------------------------------------------------------


def test_allowed_transition_records_actor_and_reason_in_history(liaison):
    case = _case()
    response = _client(liaison).post(
        _url(case, "transition"),
        {"to": "triaged", "reason": "Plates checked"},
        format="json",
        **_if_match(case),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "triaged"
    history = _client(liaison).get(_url(case, "history")).json()
    entry = next(e for e in history if e["reason"] == "Plates checked")
    assert entry["actor"] == "liaison"
    assert entry["changes"] == [
        {"field": "status", "label": "Status", "before": "New", "after": "Triaged"}
    ]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"to": "resolved"}, ErrorCode.TRANSITION_NOT_ALLOWED),
        ({"to": "closed", "close_reason": "spam"}, ErrorCode.REASON_REQUIRED),
        ({"to": "closed", "reason": "x", "close_reason": "resolved"},
         ErrorCode.INVALID_CLOSE_REASON),
    ],
)
def test_refused_transition_returns_its_code_and_changes_nothing(liaison, body, code):
    case = _case()
    history_rows = case.history.count()
    response = _client(liaison).post(
        _url(case, "transition"), body, format="json", **_if_match(case)
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (Case.Status.NEW, "")
    assert case.history.count() == history_rows


def test_transition_body_is_checked(liaison):
    case = _case()
    for body in ({"to": "nowhere"}, {"to": "triaged", "extra": 1}, {}):
        response = _client(liaison).post(
            _url(case, "transition"), body, format="json", **_if_match(case)
        )
        assert response.status_code == 400
        assert response.json()["code"] == APIErrorCode.INVALID
    malformed = _client(liaison).post(
        _url(case, "transition"), "{not json", content_type="application/json", **_if_match(case)
    )
    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed_request")


def test_close_with_reason_then_reopen(liaison):
    case = _case()
    closed = _client(liaison).post(
        _url(case, "transition"),
        {"to": "closed", "reason": "Test submission", "close_reason": "spam"},
        format="json",
        **_if_match(case),
    )
    assert (closed.json()["status"], closed.json()["close_reason"]) == ("closed", "spam")
    refused = _client(liaison).post(
        _url(case, "transition"), {"to": "triaged"}, format="json", **_if_match(case)
    )
    assert refused.json()["code"] == ErrorCode.REASON_REQUIRED
    reopened = _client(liaison).post(
        _url(case, "transition"),
        {"to": "triaged", "reason": "Was real"},
        format="json",
        **_if_match(case),
    )
    assert reopened.json()["status"] == "triaged"


# -- Assign ---------------------------------------------------------------------------------


def test_assign_and_unassign_are_recorded(liaison, other_liaison):
    case = _case()
    response = _client(liaison).post(
        _url(case, "assign"), {"assignee": other_liaison.pk, "reason": "Speaks Somali"},
        format="json",
        **_if_match(case),
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == "liaison2"
    _client(liaison).post(
        _url(case, "assign"), {"assignee": None}, format="json", **_if_match(case)
    )
    case.refresh_from_db()
    assert case.assignee_id is None
    history = _client(liaison).get(_url(case, "history")).json()
    entry = next(e for e in history if e["reason"] == "Speaks Somali")
    assert (entry["actor"], entry["changes"][0]["after"]) == ("liaison", "liaison2")


@pytest.mark.parametrize("who", ["administrator", "no_role_user", "missing"])
def test_assign_to_someone_who_cannot_work_on_cases_is_refused(request, liaison, who):
    case = _case()
    assignee = 999_999 if who == "missing" else request.getfixturevalue(who).pk
    response = _client(liaison).post(
        _url(case, "assign"), {"assignee": assignee}, format="json", **_if_match(case)
    )
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.INVALID_ASSIGNEE
    case.refresh_from_db()
    assert case.assignee_id is None


# -- Merge ----------------------------------------------------------------------------------


def test_merge_moves_reports_and_keeps_history(liaison):
    survivor, duplicate = _case(), _case()
    moved = list(duplicate.reports.values_list("tracking_code", flat=True))
    duplicate_rows = duplicate.history.count()
    response = _client(liaison).post(
        _url(survivor, "merge"),
        {"duplicates": [duplicate.reference], "reason": "Same stop, two callers"},
        format="json",
        **_if_match(survivor),
    )
    assert response.status_code == 200, response.content
    codes = [r["tracking_code"] for r in _client(liaison).get(_url(survivor)).json()["reports"]]
    assert set(moved) <= set(codes) and len(codes) == 2
    detail = _client(liaison).get(_url(survivor)).json()
    assert detail["merged_cases"] == [{"reference": duplicate.reference, "title": duplicate.title}]
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.close_reason) == ("closed", "duplicate")
    assert duplicate.history.count() == duplicate_rows + 1
    history = _client(liaison).get(_url(duplicate, "history")).json()
    assert any(e["reason"].startswith(f"Merged into {survivor.reference}") for e in history)
    survivor_history = _client(liaison).get(_url(survivor, "history")).json()
    assert any(f"Moved from {duplicate.reference}" in e["reason"] for e in survivor_history)


def test_merge_refuses_unknown_duplicates_and_missing_reason(liaison):
    survivor, duplicate = _case(), _case()
    unknown = _client(liaison).post(
        _url(survivor, "merge"), {"duplicates": ["RD-1999-000001"], "reason": "x"},
        format="json",
        **_if_match(survivor),
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == APIErrorCode.INVALID
    assert "duplicates" in unknown.json()["errors"]
    too_long = _client(liaison).post(
        _url(survivor, "merge"),
        {"duplicates": ["x" * 30], "reason": "x"},
        format="json",
        **_if_match(survivor),
    )
    assert list(too_long.json()["errors"]) == ["duplicates.0"]
    no_reason = _client(liaison).post(
        _url(survivor, "merge"), {"duplicates": [duplicate.reference], "reason": ""},
        format="json",
        **_if_match(survivor),
    )
    assert no_reason.json()["code"] == ErrorCode.REASON_REQUIRED
    itself = _client(liaison).post(
        _url(survivor, "merge"), {"duplicates": [survivor.reference], "reason": "x"},
        format="json",
        **_if_match(survivor),
    )
    assert itself.json()["code"] == ErrorCode.INVALID_MERGE
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_writes_to_a_merged_case_are_refused(liaison):
    survivor, duplicate = _case(), _case()
    _client(liaison).post(
        _url(survivor, "merge"), {"duplicates": [duplicate.reference], "reason": "Same"},
        format="json",
        **_if_match(survivor),
    )
    response = _client(liaison).post(
        _url(duplicate, "transition"),
        {"to": "triaged", "reason": "x"},
        format="json",
        **_if_match(duplicate),
    )
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.CASE_MERGED


# -- Query counts ---------------------------------------------------------------------------


def _fresh_client(user) -> APIClient:
    """A client authenticated as the user a new request would load, permissions cache filled."""
    user = type(user).objects.get(pk=user.pk)
    user.has_perm("cases.view_case")
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _queries(user, url: str) -> int:
    client = _fresh_client(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    json.loads(response.content)
    return len(ctx.captured_queries)


def test_queue_query_count_is_the_same_for_1_and_30_cases(liaison):
    assign_case(case=_case(), assignee=liaison, actor=liaison, expected_version=None)
    url = "/api/v1/cases/?weapons_drawn=true&q=boxed&kind=boxed-in"
    one = (_queries(liaison, "/api/v1/cases/"), _queries(liaison, url))
    for _ in range(29):
        assign_case(case=_case(), assignee=liaison, actor=liaison, expected_version=None)
    assert _client(liaison).get("/api/v1/cases/").json()["count"] == 30
    assert (_queries(liaison, "/api/v1/cases/"), _queries(liaison, url)) == one


def test_detail_and_history_query_counts_do_not_grow(liaison, legal):
    small = _case()
    add_note(case=small, author=liaison, body="first")
    assign_case(case=small, assignee=legal, actor=legal, expected_version=None)
    big = _case()
    for index in range(29):
        submit_report(
            submission=ReportSubmissionFactory(
                witnesses=(WitnessInputFactory(), WitnessInputFactory())
            ),
            channel="staff",
            actor=legal,
            case=big,
        )
        add_note(case=big, author=liaison, body=f"note {index}")
        add_note(case=big, author=legal, body=f"legal {index}", visibility="legal")
        assign_case(
            case=big, assignee=liaison if index % 2 else legal, actor=legal, expected_version=None
        )
    assert big.reports.count() == 30
    for user in (liaison, legal):
        assert _queries(user, _url(big)) == _queries(user, _url(small))
        assert _queries(user, _url(big, "history")) == _queries(user, _url(small, "history"))
    assert len(_client(legal).get(_url(big, "history")).json()) > 90


def test_every_service_error_code_has_a_documented_api_code():
    assert {code.value for code in ErrorCode} <= set(APIErrorCode.values)
