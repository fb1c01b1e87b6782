"""Lists and pages run the same number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import views
from cases.api.views import CasePagination
from cases.services import assign_case
from cases.timeline import case_timeline
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case():
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _queries(action) -> int:
    action()  # permissions and content types cached, as on any later request
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries.captured_queries)


@pytest.mark.parametrize("path", ["/staff/cases/", "/api/v1/cases/"])
def test_queue_runs_the_same_queries_for_2_and_8_rows(client, legal, monkeypatch, path):
    for _ in range(8):
        _case()
    client.force_login(legal)

    def rows(size: int) -> int:
        monkeypatch.setattr(views, "PAGE_SIZE", size)
        monkeypatch.setattr(CasePagination, "page_size", size)
        return _queries(lambda: client.get(path))

    assert rows(2) == rows(8)


def test_timeline_runs_the_same_queries_whether_or_not_the_case_was_assigned(legal, liaison):
    never, assigned = _case(), _case()
    assign_case(case=assigned, assignee=liaison, actor=legal, expected_version=None)
    assert _queries(lambda: case_timeline(user=legal, case=never)) == _queries(
        lambda: case_timeline(user=legal, case=assigned)
    )
    entry = [e for e in case_timeline(user=legal, case=assigned) if e.reason][-1]
    assert [c.after for c in entry.changes] == ["liaison"]


def test_the_case_page_runs_the_same_queries_whether_or_not_the_case_is_assigned(
    client, legal, liaison
):
    never, assigned = _case(), _case()
    assign_case(case=assigned, assignee=liaison, actor=legal, expected_version=None)
    client.force_login(legal)

    def page(case) -> int:
        return _queries(lambda: client.get(f"/staff/cases/{case.reference}/"))

    assert page(never) == page(assigned)
    html = client.get(f"/staff/cases/{assigned.reference}/").content.decode()
    assert 'id="case-assignee-role">Police liaison</span>' in html
