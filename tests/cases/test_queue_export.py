"""The queue's CSV export: the rows the queue shows with the same filters and columns, nothing
the reader projection withholds, no cell a spreadsheet would run as a formula, for case workers
only, recorded in the access log, in a fixed number of queries per chunk of cases."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesslog.models import AccessKind, AccessLogEntry
from cases import queue_export
from cases.models import Case
from cases.queue_export import COLUMNS, safe_cell
from cases.services import assign_case
from intake.models import Encounter, Report
from intake.services import submit_report
from tests.factories import (
    ComplainantInputFactory,
    EncounterInputFactory,
    ReportSubmissionFactory,
    WitnessInputFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("cases:queue-export")


def _case(**encounter) -> Case:
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(**encounter),
        complainants=(ComplainantInputFactory(name="Ana Privada", email="ana@example.org"),),
        witnesses=(WitnessInputFactory(name="Luis Testigo", contact="+1 612 555 0199"),),
    )
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_the_export_has_the_queues_columns_and_rows_with_the_same_filters(
    client, liaison, other_liaison
):
    guns = _case(kind_codes=("weapons-drawn",), city="St. Paul")
    quiet = _case(kind_codes=("questioned-status",))
    other_liaison.first_name, other_liaison.last_name = "Sam", "Ortiz"
    other_liaison.save()
    assign_case(case=guns, assignee=other_liaison, actor=liaison, expected_version=None)
    client.force_login(liaison)

    rows = _csv(client.get(URL, {"weapons_drawn": "1"}))
    assert rows[0] == [str(column) for column in COLUMNS]
    assert len(rows) == 2
    (row,) = [dict(zip(rows[0], line, strict=True)) for line in rows[1:]]
    assert row["Case"] == guns.reference
    assert row["Title"] == guns.title
    assert row["Status"] == "New"
    assert row["What happened"] == "Weapons drawn"
    assert row["Where"] == "St. Paul"
    assert row["Agencies"] == "ICE"
    assert row["Assignee"] == "Sam Ortiz"
    assert row["Age in days"] == "0"

    everything = _csv(client.get(URL))
    assert {line[0] for line in everything[1:]} == {guns.reference, quiet.reference}


def test_the_export_shows_no_identity_nor_free_text(client, liaison, legal):
    case = _case(address="1200 Secret Street")
    for reader in (liaison, legal):
        client.force_login(reader)
        body = "\n".join(",".join(line) for line in _csv(client.get(URL)))
        assert case.reference in body
        for private in (
            "Ana Privada",
            "ana@example.org",
            "Luis Testigo",
            "555 0199",
            "1200 Secret Street",
            "ABC123",
            "boxed in my car on the way",
        ):
            assert private not in body, private


def test_cells_a_spreadsheet_would_run_are_written_as_text(client, liaison):
    case = _case()
    Case.objects.filter(pk=case.pk).update(title='=HYPERLINK("http://evil.example","x")')
    Encounter.objects.filter(report__case=case).update(city="+1+cmd|' /C calc'!A0")
    client.force_login(liaison)
    (header, line) = _csv(client.get(URL))
    row = dict(zip(header, line, strict=True))
    assert row["Title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["Where"] == "'+1+cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_quotes_every_formula_start(value):
    assert safe_cell(value) == f"'{value}"


def test_safe_cell_leaves_ordinary_text_alone():
    assert safe_cell("Brooklyn Park") == "Brooklyn Park"
    assert safe_cell(None) == ""
    assert safe_cell(3) == "3"


def test_the_export_is_recorded_in_the_access_log(client, liaison):
    _case()
    _case()
    client.force_login(liaison)
    _csv(client.get(URL, {"q": "boxed"}))
    entry = AccessLogEntry.objects.get(kind=AccessKind.QUEUE_EXPORT)
    assert entry.user == liaison
    assert entry.object_id == "2"
    assert entry.path == URL


def test_the_export_stops_at_its_limit_and_says_so(client, liaison, monkeypatch):
    for _ in range(3):
        _case()
    monkeypatch.setattr(queue_export, "EXPORT_LIMIT", 2)
    monkeypatch.setattr(queue_export.export_rows, "__kwdefaults__", {"limit": 2})
    client.force_login(liaison)
    rows = _csv(client.get(URL))
    assert len(rows) == 1 + 2 + 1
    assert rows[-1][0].startswith("The export stops at 2 cases")


@pytest.mark.parametrize(
    ("role", "status"),
    [("no_role_user", 403), ("administrator", 403), ("liaison", 200), ("legal", 200)],
)
def test_the_export_is_for_case_workers_only(client, request, role, status):
    _case()
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == status
    if status == 403:
        assert not AccessLogEntry.objects.filter(kind=AccessKind.QUEUE_EXPORT).exists()


def test_the_export_sends_anonymous_users_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('cases:login')}?next=")


def _export_queries(client, monkeypatch, chunk: int) -> int:
    monkeypatch.setattr(queue_export, "CHUNK_SIZE", chunk)

    def run() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(URL).streaming_content)
        return len(queries.captured_queries)

    run()  # permissions and content types cached, as on any later request
    return run()


def test_the_export_runs_the_same_queries_for_few_and_many_cases(client, liaison, monkeypatch):
    client.force_login(liaison)
    for _ in range(2):
        _case()
    few = _export_queries(client, monkeypatch, chunk=50)
    for _ in range(6):
        _case()
    assert _export_queries(client, monkeypatch, chunk=50) == few
