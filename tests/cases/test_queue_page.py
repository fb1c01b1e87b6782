"""The queue page's markup: people by full name, tick boxes with a label that says what they
tick, the export and save links carrying the current filters, and the open and overdue filters
in the URL."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import assign_case
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case() -> Case:
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _page(client, query: str = "") -> str:
    response = client.get(f"{reverse('cases:queue')}{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_names_assignees_by_full_name(client, liaison, other_liaison):
    case = _case()
    other_liaison.first_name, other_liaison.last_name = "Sam", "Ortiz"
    other_liaison.save()
    assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    client.force_login(liaison)
    html = _page(client)
    row = html.split(f'id="case-{case.reference}"')[1].split("</tr>")[0]
    assert "Sam Ortiz" in row and "liaison2" not in row
    assert f'<option value="{other_liaison.pk}">Sam Ortiz</option>' in html


def test_each_tick_box_has_a_label_naming_its_case(client, liaison):
    case = _case()
    client.force_login(liaison)
    html = _page(client)
    label = html.split(f'<label class="rd-select" for="select-{case.reference}">')[1]
    label = label.split("</label>")[0]
    assert f'id="select-{case.reference}"' in label
    assert f"Select {case.reference}" in label


def test_the_export_link_carries_the_current_filters_but_not_the_page(client, liaison):
    _case()
    client.force_login(liaison)
    html = _page(client, "?weapons_drawn=1&page=1&q=")
    assert f'href="{reverse("cases:queue-export")}?weapons_drawn=1"' in html
    assert 'name="query" value="weapons_drawn=1"' in html


def test_open_and_overdue_filters_narrow_the_queue(client, liaison):
    late, fresh, finished = _case(), _case(), _case()
    yesterday = timezone.localdate() - timedelta(days=1)
    Case.objects.filter(pk__in=[late.pk, finished.pk]).update(due_date=yesterday)
    Case.objects.filter(pk=finished.pk).update(status=Case.Status.RESOLVED)
    client.force_login(liaison)
    overdue = _page(client, "?overdue=on").split('id="queue-table"')[1]
    assert late.reference in overdue and finished.reference in overdue
    assert fresh.reference not in overdue
    still_open = _page(client, "?overdue=on&open=on").split('id="queue-table"')[1]
    assert late.reference in still_open and finished.reference not in still_open
