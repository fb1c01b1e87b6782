"""The queue page's markup: people by full name, tick boxes with a label that says what they
tick, the export and save links carrying the current filters, and the open and overdue filters
in the URL."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Case, StaffPreferences
from cases.services import assign_case, set_tags
from intake.models import Report
from intake.services import submit_report
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A Spanish request leaves its language active in the thread.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _case(**encounter) -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(**encounter))
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _page(client, query: str = "") -> str:
    response = client.get(f"{reverse('cases:queue')}{query}")
    assert response.status_code == 200
    return response.content.decode()


def _cells(html: str, case: Case) -> list[str]:
    """The row's cells, markup included, after its tick box."""
    row = html.split(f'<tr id="case-{case.reference}" class="rd-queue__row">')[1]
    row = row.split("</tr>")[0]
    return [cell.split("</t")[0] for cell in row.split("<t")[2:]]


# Noon in the project's time zone, so the day is the same wherever the test runs.
_MARCH_5 = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.get_default_timezone())


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


def test_a_row_shows_its_case_labels_dates_places_agencies_and_assignee(
    client, liaison, other_liaison
):
    case = _case(
        occurred_at=_MARCH_5,
        city="St. Paul & Minneapolis",
        kind_codes=("boxed-in", "weapons-drawn"),
        agency_codes=("minneapolis-pd", "unknown-federal"),
    )
    Case.objects.filter(pk=case.pk).update(title='Stopped <b>"twice"</b>')
    other_liaison.first_name, other_liaison.last_name = "Sam", "Ortiz"
    other_liaison.save()
    assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    client.force_login(liaison)
    title = "Stopped &lt;b&gt;&quot;twice&quot;&lt;/b&gt;"
    link = f'<a class="rd-queue__link" href="/staff/cases/{case.reference}/">{case.reference}</a>'
    assert _cells(_page(client), case) == [
        f'h scope="row" class="rd-queue__case"><span class="rd-queue__title" title="{title}">'
        f"{link} {title}</span>",
        'd><span class="rd-badge rd-badge--status rd-badge--new">New</span>',
        'd><span class="rd-badge rd-badge--priority-3">High</span>',
        'd><span class="rd-badges"><span class="rd-badge">Boxed in by vehicles</span>'
        '<span class="rd-badge">Weapons drawn</span></span>',
        "d>03/05/2026<br>St. Paul &amp; Minneapolis",
        "d>MPD, Unknown federal agency",
        "d>Sam Ortiz",
        "d>0\xa0minutes",
    ]


def test_tag_links_keep_the_filters_but_not_the_page(client, liaison):
    case = _case()
    set_tags(case=case, names=["media", "follow up"], actor=liaison, expected_version=None)
    client.force_login(liaison)
    title_cell = _cells(_page(client, "?tag=media&page=1&sort=newest"), case)[0]
    assert (
        '<span class="rd-queue__tags">'
        '<a class="rd-badge rd-badge--tag" href="?tag=follow-up&amp;sort=newest">follow-up</a>'
        '<a class="rd-badge rd-badge--tag" href="?tag=media&amp;sort=newest">media</a></span>'
    ) in title_cell
    untagged = _case()
    assert "rd-queue__tags" not in _cells(_page(client), untagged)[0]


def test_a_spanish_row_says_what_is_unknown_or_approximate_in_spanish(client, liaison):
    StaffPreferences.objects.create(user=liaison, language="es")
    unknown = _case(occurred_at=None, city="")
    approximate = _case(occurred_at=_MARCH_5, occurred_at_is_approximate=True)
    client.force_login(liaison)
    html = _page(client)
    assert f'<span class="usa-sr-only">Seleccionar {unknown.reference}</span>' in html
    cells = _cells(html, unknown)
    assert cells[1] == 'd><span class="rd-badge rd-badge--status rd-badge--new">Nuevo</span>'
    assert cells[4:7] == [
        "d>Fecha desconocida<br>Lugar desconocido",
        "d>ICE",
        'd><span class="rd-muted">Sin asignar</span>',
    ]
    assert _cells(html, approximate)[4] == "d>aprox. 05/03/2026<br>Brooklyn Park"
