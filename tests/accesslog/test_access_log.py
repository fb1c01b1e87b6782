"""The access log: one row per read of a case, its history, a document or an evidence file, and
per sign-in, failed sign-in and lockout; one INSERT per page and no other query; legal staff
read it on the case page and at /staff/access-log/, with a CSV export that no spreadsheet runs
as a formula; rows are never changed, and leave only when older than the retention period."""

import csv
import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accesslog import services
from accesslog.models import AccessKind, AccessLogEntry
from accesslog.views import safe_cell
from api_tokens.models import ApiToken
from cases import case_views
from cases.roles import Role
from intake.models import Report
from intake.services import submit_report
from reports.document_files import store_sealed
from reports.models import Document
from tests.factories import ReportSubmissionFactory, report_with_evidence

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.7\n% a stand-in\n%%EOF\n"


def _case():
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _case_url(case) -> str:
    return reverse("cases:case", kwargs={"reference": case.reference})


def _rows(**filters):
    return list(AccessLogEntry.objects.filter(**filters))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- What is written ------------------------------------------------------------------------


def test_a_liaison_opening_a_case_page_writes_one_row_naming_them(client, liaison):
    case = _case()
    client.force_login(liaison)
    AccessLogEntry.objects.all().expire()  # the sign-in's row
    response = client.get(_case_url(case), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    [row] = _rows()
    assert row.kind == AccessKind.CASE
    assert row.user == liaison
    assert row.username == "liaison"
    assert row.role == Role.LIAISON.value
    assert row.case_reference == case.reference
    assert row.object_id == case.reference
    assert str(row.address) == "198.51.100.7"
    assert row.path == _case_url(case)


def test_the_case_page_costs_exactly_two_queries_more_with_the_log_than_without(
    client, liaison, monkeypatch
):
    """The row's INSERT, and the read of its chain's newest row (plumbing/audit), whose hash the
    new row's is chained to. Inside a transaction on PostgreSQL (as in this test) the INSERT
    also runs in a savepoint; a request, in autocommit, has none."""
    case = _case()
    client.force_login(liaison)
    url = _case_url(case)
    client.get(url)  # permissions and content types cached, as on any later request

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        sqls = [query["sql"] for query in captured.captured_queries]
        return [sql for sql in sqls if "SAVEPOINT" not in sql.upper()]

    with_log = queries()
    monkeypatch.setattr(case_views, "record_access", lambda **kwargs: None)
    without_log = queries()
    assert len(with_log) == len(without_log) + 2
    added = [sql.lstrip().upper() for sql in with_log if "accesslog" in sql]
    assert len(added) == 2
    assert added[0].startswith("SELECT") and "CHAIN_SEQ" in added[0]
    assert added[1].startswith("INSERT")


def test_the_address_is_read_as_the_rate_limits_read_it(client, liaison, settings):
    settings.RATE_LIMIT_TRUSTED_PROXY_COUNT = 1
    case = _case()
    client.force_login(liaison)
    client.get(_case_url(case), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert str(_rows(kind=AccessKind.CASE)[0].address) == "203.0.113.9"


def test_a_case_that_is_not_theirs_writes_nothing(client, no_role_user):
    case = _case()
    client.force_login(no_role_user)
    assert client.get(_case_url(case)).status_code in (403, 404)
    assert not _rows(kind=AccessKind.CASE)


def test_the_api_detail_and_history_each_write_one_row(liaison):
    case = _case()
    client = _api(liaison)
    assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 200
    assert client.get(f"/api/v1/cases/{case.reference}/history/").status_code == 200
    assert [(row.kind, row.case_reference) for row in _rows(case_reference=case.reference)] == [
        (AccessKind.CASE_HISTORY, case.reference),
        (AccessKind.CASE, case.reference),
    ]


def test_a_token_signed_api_read_names_the_token_user(liaison):
    from api_tokens.services import create_api_token

    case = _case()
    client = APIClient()
    key = create_api_token(user=liaison, name="script").key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 200
    [row] = _rows(kind=AccessKind.CASE)
    assert row.user == liaison


@pytest.mark.parametrize("where", ["page", "api"])
def test_an_evidence_download_writes_one_row(client, legal, where):
    evidence = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    if where == "page":
        client.force_login(legal)
        url = reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})
        response = client.get(url)
    else:
        response = _api(legal).get(f"/api/v1/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    [row] = _rows(kind=AccessKind.EVIDENCE_DOWNLOAD)
    assert (row.user, row.object_id, row.case_reference) == (
        legal,
        str(evidence.pk),
        evidence.report.case.reference,
    )


def test_a_refused_evidence_download_writes_nothing(client, liaison):
    evidence = report_with_evidence(consent_to_share_with_liaison=False).evidence.get()
    client.force_login(liaison)
    url = reverse("cases:download-evidence", kwargs={"evidence_id": evidence.pk})
    assert client.get(url).status_code == 404
    assert not _rows(kind=AccessKind.EVIDENCE_DOWNLOAD)


def _ready_document(case, user) -> Document:
    document = Document(
        kind=Document.Kind.REDACTED_CASE_FILE,
        case=case,
        requested_by=user,
        status=Document.Status.READY,
        pages=1,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    document.file.name, document.data_key = store_sealed("documents/ready.pdf", PDF)
    document.save()
    return document


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/staff/documents/{pk}/download/", AccessKind.DOCUMENT_DOWNLOAD),
        ("/api/v1/documents/{pk}/download/", AccessKind.DOCUMENT_DOWNLOAD),
        ("/api/v1/documents/{pk}/", AccessKind.DOCUMENT),
    ],
)
def test_reading_or_downloading_a_document_writes_one_row(liaison, path, kind):
    case = _case()
    document = _ready_document(case, liaison)
    response = _api(liaison).get(path.format(pk=document.pk))
    assert response.status_code == 200
    [row] = _rows(kind=kind)
    assert (row.user, row.object_id, row.case_reference) == (
        liaison,
        str(document.pk),
        case.reference,
    )


# --- Signing in -----------------------------------------------------------------------------


def _sign_in(client, username: str, password: str):
    return client.post(
        reverse("cases:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.4",
    )


def test_a_sign_in_writes_a_row_with_the_role_and_address(client, legal):
    assert _sign_in(client, "legal", PASSWORD).status_code == 302
    [row] = _rows(kind=AccessKind.SIGN_IN)
    assert (row.user, row.role, str(row.address)) == (legal, Role.LEGAL.value, "192.0.2.4")


def test_a_failed_sign_in_writes_a_row_with_the_name_typed_and_no_password(client, liaison):
    assert _sign_in(client, "liaison", "wrong password").status_code == 200
    assert _sign_in(client, "nobody-by-that-name", "wrong password").status_code == 200
    rows = _rows(kind=AccessKind.SIGN_IN_FAILED)
    assert sorted(row.username for row in rows) == ["liaison", "nobody-by-that-name"]
    assert all(row.user is None and str(row.address) == "192.0.2.4" for row in rows)
    assert not AccessLogEntry.objects.filter(path__contains="wrong").exists()


def test_a_lockout_writes_a_row(client, liaison, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "liaison", "wrong password")
    assert [row.username for row in _rows(kind=AccessKind.LOCKED_OUT)] == ["liaison"]


# --- Who may read it ------------------------------------------------------------------------


def test_legal_staff_see_who_has_looked_at_the_case(client, legal, liaison):
    case = _case()
    client.force_login(liaison)
    client.get(_case_url(case))
    client.force_login(legal)
    html = client.get(_case_url(case)).content.decode()
    assert "Who has looked at this case" in html
    section = html[html.index('id="access-log"') :]
    assert "liaison" in section and Role.LIAISON.value in section
    assert "legal" in section


def test_a_liaison_sees_no_access_log_on_the_case_page_and_no_link(client, liaison):
    case = _case()
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    assert "Who has looked" not in html
    assert 'id="access-log"' not in html
    assert 'id="nav-access-log"' not in html


@pytest.mark.parametrize("path", ["/staff/access-log/", "/staff/access-log/export.csv"])
def test_the_access_log_is_refused_to_anyone_but_legal_staff(
    client, liaison, administrator, no_role_user, legal, path
):
    assert client.get(path).status_code == 302  # to sign in
    for user in (liaison, administrator, no_role_user):
        client.force_login(user)
        assert client.get(path).status_code == 403
    client.force_login(legal)
    assert client.get(path).status_code == 200


def _entry(**fields) -> AccessLogEntry:
    fields.setdefault("kind", AccessKind.CASE)
    return AccessLogEntry.objects.create(**fields)


def test_the_list_filters_by_user_case_kind_and_dates(client, legal):
    now = timezone.now()
    _entry(username="ana", case_reference="RD-2026-000001", at=now)
    _entry(username="ana", case_reference="RD-2026-000002", at=now - timedelta(days=10))
    _entry(username="ben", case_reference="RD-2026-000001", kind=AccessKind.CASE_HISTORY, at=now)
    client.force_login(legal)

    def shown(**query) -> set[str]:
        response = client.get("/staff/access-log/", query)
        assert response.status_code == 200
        return {
            f"{e.username}:{e.case_reference}" for e in response.context["page"].object_list
        } - {"legal:"}

    assert shown(user="ana") == {"ana:RD-2026-000001", "ana:RD-2026-000002"}
    assert shown(case="rd-2026-000001") == {"ana:RD-2026-000001", "ben:RD-2026-000001"}
    assert shown(kind="case_history") == {"ben:RD-2026-000001"}
    today = timezone.localdate()
    assert shown(user="ana", date_from=str(today - timedelta(days=1))) == {"ana:RD-2026-000001"}
    assert shown(user="ana", date_to=str(today - timedelta(days=5))) == {"ana:RD-2026-000002"}


def test_bad_filters_are_named_not_a_500(client, legal):
    client.force_login(legal)
    response = client.get(
        "/staff/access-log/", {"date_from": "2026-05-02", "date_to": "2026-05-01", "kind": "x"}
    )
    assert response.status_code == 200
    messages = [message for _, message in response.context["errors"]]
    assert "The end date must be on or after the start date." in messages
    assert any("valid choice" in message for message in messages)
    assert client.get("/staff/access-log/export.csv", {"date_from": "soon"}).status_code == 400


def test_the_list_pages_with_the_capped_paginator(client, legal, monkeypatch):
    from accesslog import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        _entry(username=f"user{number}")
    client.force_login(legal)
    response = client.get("/staff/access-log/", {"page": 2})
    assert response.context["page"].number == 2
    assert 'id="next-page"' in response.content.decode()


def test_the_csv_export_streams_the_filtered_rows_with_formulas_defused(client, legal):
    _entry(username='=HYPERLINK("http://x")', case_reference="RD-2026-000001")
    _entry(username="+cmd", case_reference="RD-2026-000001")
    _entry(username="plain", case_reference="RD-2026-000009")
    client.force_login(legal)
    response = client.get("/staff/access-log/export.csv", {"case": "RD-2026-000001"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["when", "what", "user"]
    assert sorted(row[2] for row in rows[1:]) == ["'+cmd", '\'=HYPERLINK("http://x")']


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("legal", "legal"),
        (None, ""),
        ("a=b", "a=b"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_prefixed(value, cell):
    assert safe_cell(value) == cell


# --- A record ------------------------------------------------------------------------------


def test_rows_cannot_be_edited_or_deleted_through_the_model():
    row = _entry(username="ana")
    row.username = "someone else"
    with pytest.raises(ValueError, match="record"):
        row.save()
    with pytest.raises(ValueError, match="record"):
        row.delete()
    with pytest.raises(ValueError, match="record"):
        AccessLogEntry.objects.filter(pk=row.pk).update(username="x")
    with pytest.raises(ValueError, match="record"):
        AccessLogEntry.objects.filter(pk=row.pk).delete()
    assert AccessLogEntry.objects.get(pk=row.pk).username == "ana"


def test_retention_deletes_only_rows_older_than_the_setting(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 730
    now = timezone.now()
    old = _entry(username="old", at=now - timedelta(days=731))
    kept = _entry(username="kept", at=now - timedelta(days=729))
    assert services.expire_access_log(now=now) == 1
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_the_retention_command_and_task_delete_old_rows(settings):
    from accesslog.tasks import expire_access_log_task

    settings.ACCESS_LOG_RETENTION_DAYS = 30
    _entry(username="old", at=timezone.now() - timedelta(days=31))
    out = io.StringIO()
    call_command("expire_access_log", stdout=out)
    assert "Deleted 1 access log rows" in out.getvalue()
    _entry(username="old", at=timezone.now() - timedelta(days=31))
    assert expire_access_log_task.delay().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["accesslog-expire"]["task"] == (
        "accesslog.tasks.expire_access_log_task"
    )


# --- Changes to the ways into an account --------------------------------------------------------


def test_enrolling_an_app_writes_a_row_for_the_device_and_one_for_the_recovery_codes(
    client, liaison
):
    from tests.conftest import current_code, sign_in_without_second_factor

    sign_in_without_second_factor(client, liaison)
    client.get(reverse("cases:enrol"), REMOTE_ADDR="198.51.100.9")
    device = liaison.totpdevice_set.get()
    response = client.post(
        reverse("cases:enrol"), {"code": current_code(device)}, REMOTE_ADDR="198.51.100.9"
    )
    # On to the passkey offer; the codes are made with the app, and shown after the offer.
    assert response.status_code == 302
    added, codes = (
        _rows(kind=AccessKind.SECOND_FACTOR_ADDED),
        _rows(kind=AccessKind.RECOVERY_CODES_REPLACED),
    )
    assert [(row.user, row.object_id, row.address) for row in added] == [
        (liaison, str(device.pk), "198.51.100.9")
    ]
    assert [(row.user, row.role, row.path) for row in codes] == [
        (liaison, Role.LIAISON.value, reverse("cases:enrol"))
    ]


def test_a_reset_by_an_administrator_writes_a_row_naming_the_administrator_and_the_account(
    client, administrator, liaison
):
    client.force_login(administrator)
    client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [liaison.pk]}
    )
    [row] = _rows(kind=AccessKind.SECOND_FACTOR_RESET)
    assert (row.user, row.object_id, row.path) == (
        administrator,
        str(liaison.pk),
        "/admin/auth/user/",
    )


def test_making_and_revoking_a_token_on_the_page_writes_a_row_each(client, liaison):
    client.force_login(liaison)
    response = client.post(reverse("api_tokens:tokens"), {"name": "nightly"})
    assert response.status_code == 200
    [made] = _rows(kind=AccessKind.API_TOKEN_CREATED)
    token = ApiToken.objects.get(user=liaison)
    assert (made.user, made.object_id, made.address) == (liaison, str(token.pk), "127.0.0.1")
    client.post(reverse("api_tokens:revoke", kwargs={"token_id": token.pk}))
    [revoked] = _rows(kind=AccessKind.API_TOKEN_REVOKED)
    assert (revoked.user, revoked.object_id) == (liaison, str(token.pk))


def test_account_changes_are_listed_and_filterable_for_legal_staff(client, legal, liaison):
    services.record_account_change(
        request=None, user=liaison, kind=AccessKind.API_TOKEN_CREATED, object_id=7
    )
    client.force_login(legal)
    response = client.get(reverse("accesslog:list"), {"kind": AccessKind.API_TOKEN_CREATED})
    assert response.status_code == 200
    assert "API token made" in response.content.decode()
