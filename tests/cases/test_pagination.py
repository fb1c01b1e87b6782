"""The queue's count strategy: counts stop at a cap with a LIMITed subquery, on the staff page
and in the API, and pages past the cap are still reachable."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import pagination
from cases.models import Case
from cases.pagination import CappedPaginator, capped_counts
from cases.selectors import QueueFilters, case_queue, status_counts
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_cases(db):
    return [
        submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB).report.case
        for _ in range(7)
    ]


@pytest.fixture
def cap_of_five(monkeypatch):
    """Count at most 5 cases, 2 to a page (a page is always counted to its end)."""
    from cases import views
    from cases.api.views import CasePagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(CasePagination, "page_size", 2)


def _count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def _is_limited(sql: str, limit: int) -> bool:
    """A count over a subquery that stops after `limit` rows."""
    pattern = r"SELECT COUNT\(\*\).* FROM \(SELECT .* LIMIT (\d+)\)"
    found = re.search(pattern, sql)
    return found is not None and int(found.group(1)) == limit


def test_paginator_counts_at_most_cap_plus_one_rows_with_a_limited_subquery(
    seven_cases, liaison
):
    paginator = CappedPaginator(case_queue(user=liaison, filters=QueueFilters()), 2, cap=5)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(1)
    [count_sql] = _count_queries(queries)
    assert _is_limited(count_sql, 6)
    # The order of the queue decides which rows a LIMIT keeps, never how many: none is asked.
    assert "ORDER BY" not in count_sql
    assert paginator.count_capped is True
    assert paginator.shown_count == 5
    assert page.has_next()


def test_paginator_is_exact_below_the_cap(seven_cases, liaison):
    paginator = CappedPaginator(case_queue(user=liaison, filters=QueueFilters()), 2, cap=10)
    paginator.get_page(1)
    assert (paginator.count, paginator.count_capped, paginator.shown_count) == (7, False, 7)
    assert paginator.num_pages == 4


def test_a_page_past_the_cap_is_counted_far_enough_to_exist(seven_cases, liaison):
    paginator = CappedPaginator(case_queue(user=liaison, filters=QueueFilters()), 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(4)
    assert _is_limited(_count_queries(queries)[0], 9)
    assert page.number == 4
    assert len(page.object_list) == 1
    assert not page.has_next()
    assert paginator.count_capped is False


def test_status_counts_are_capped_and_run_one_limited_query(seven_cases, liaison):
    from cases.services import transition_case

    transition_case(case=seven_cases[0], to="triaged", actor=liaison, expected_version=None)
    assert liaison.has_perm("cases.view_case")  # the role's permissions, loaded once
    with CaptureQueriesContext(connection) as queries:
        counts = status_counts(user=liaison, filters=QueueFilters(), cap=3)
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert sql.count("LIMIT 4") == len(Case.Status.values)
    assert counts == {
        "new": 4, "triaged": 1, "investigating": 0, "referred": 0, "resolved": 0, "closed": 0
    }


def test_capped_counts_of_nothing_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert capped_counts({}) == {}
    assert queries.captured_queries == []


def test_queue_page_runs_no_unlimited_count_and_says_more_than(
    client, liaison, seven_cases, cap_of_five
):
    client.force_login(liaison)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:queue"))
    page = response.content.decode()
    counts = _count_queries(queries)
    assert counts
    assert all("LIMIT" in sql for sql in counts)
    assert "More than 5 cases" in page
    assert "Page 1<" in page and "Page 1 of" not in page
    assert re.search(r'id="count-new">New <span class="usa-tag">5\+</span>', page)
    assert re.search(r'id="count-triaged">Triaged <span class="usa-tag">0</span>', page)


def test_queue_page_is_exact_under_the_cap(client, liaison, seven_cases):
    client.force_login(liaison)
    page = client.get(reverse("cases:queue")).content.decode()
    assert "7 cases" in page
    assert "More than" not in page


def test_case_api_list_counts_with_the_same_cap(client, liaison, seven_cases, cap_of_five):
    client.force_login(liaison)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/cases/").json()
    assert all("LIMIT" in sql for sql in _count_queries(queries))
    assert (body["count"], body["count_capped"]) == (5, True)
    assert body["status_counts"]["new"] == 5
    assert body["status_counts_capped"] == ["new"]


def test_case_api_list_is_exact_under_the_cap(client, liaison, seven_cases):
    client.force_login(liaison)
    body = client.get("/api/v1/cases/").json()
    assert (body["count"], body["count_capped"], body["status_counts_capped"]) == (7, False, [])
