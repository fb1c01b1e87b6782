"""The case page's actions sent by htmx: a 200 with the parts of the page they changed, the
forms carrying the case's new version, and the message next to the form; a refusal with its
error by the form; without htmx, post/redirect/get as before. People by name."""

import re

import pytest
from django.urls import reverse

from cases.models import Case
from cases.services import add_note, transition_case
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _case() -> Case:
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _url(case: Case, name: str = "case") -> str:
    return reverse(f"cases:{name}", kwargs={"reference": case.reference})


def _version(case: Case) -> str:
    return str(Case.objects.get(pk=case.pk).version)


def _oob(html: str, element_id: str) -> str:
    """The element swapped out of band with this id, as the answer sends it."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*hx-swap-oob="[^"]+"[^>]*>', html)
    assert match, f"no out-of-band #{element_id}"
    return html[match.start() :]


def test_an_htmx_transition_answers_with_the_changed_parts_and_the_message(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        _url(case, "transition"),
        {
            "transition-to": "triaged",
            "transition-reason": "Checked the plates",
            "transition-version": _version(case),
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Not the page: its parts, each swapped by id.
    assert "<html" not in html and 'id="page-heading"' not in html
    assert 'id="case-status">Triaged</dd>' in _oob(html, "case-summary")
    for part in (
        "case-notes",
        "case-timeline",
        "transition-fields",
        "assign-fields",
        "note-fields",
        "priority-fields",
        "merge-fields",
    ):
        _oob(html, part)
    # The message goes into the live region next to the form; the others are emptied.
    message = _oob(html, "transition-message")
    assert message.startswith(
        '<div class="rd-action__message" id="transition-message" '
        'role="status" hx-swap-oob="innerHTML">'
    )
    assert f"{case.reference} is now Triaged." in message.split("</div>")[0]
    assert "Assigned" not in _oob(html, "assign-message").split("</div>")[0]
    # Every form carries the case's new version; the move offered next has nothing chosen.
    version = _version(case)
    for prefix in ("transition", "assign", "priority", "due", "tags", "merge"):
        assert f'name="{prefix}-version" value="{version}"' in html
    offered = html.split('name="transition-to"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a status</option>' in offered
    assert 'value="investigating"' in offered
    assert "Checked the plates" in _oob(html, "case-timeline")
    # Nothing is left for the next page load to show.
    assert (
        "is now Triaged" not in client.get(_url(case)).content.decode().split('id="case-panel"')[0]
    )
    assert Case.objects.get(pk=case.pk).status == "triaged"


def test_an_htmx_refusal_answers_400_with_the_error_next_to_the_form(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        _url(case, "transition"),
        {
            "transition-to": "closed",
            "transition-close_reason": "spam",
            "transition-version": _version(case),
        },
        **HTMX,
    )
    assert response.status_code == 400
    fields = _oob(response.content.decode(), "transition-fields")
    errors = fields.split('id="transition-errors"')[1].split("</div>")[0]
    assert 'role="alert"' in fields.split('id="transition-errors"')[1][:40]
    assert "Moving a case from New to Closed needs a reason." in errors
    # The form as the user filled it in, and no error summary: the error is by the form.
    assert '<option value="closed" selected>' in fields
    assert 'id="error-summary"' not in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "new"


def test_an_htmx_change_on_an_out_of_date_page_answers_409_with_the_current_version(
    client, liaison, other_liaison
):
    case = _case()
    seen = _version(case)
    transition_case(
        case=case, to="triaged", actor=other_liaison, reason="Mine now", expected_version=None
    )
    client.force_login(liaison)
    response = client.post(
        _url(case, "priority"),
        {"priority-priority": "1", "priority-reason": "Quiet week", "priority-version": seen},
        **HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    fields = _oob(html, "priority-fields")
    assert "Nothing was changed." in fields.split('id="priority-errors"')[1]
    assert f'name="priority-version" value="{_version(case)}"' in fields
    assert 'id="case-status">Triaged</dd>' in _oob(html, "case-summary")


def test_without_htmx_an_action_still_redirects_to_the_case_page(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(_url(case, "add-note"), {"note-body": "Left a voicemail."})
    assert response.status_code == 302
    assert response["Location"] == _url(case)
    response = client.post(
        _url(case, "transition"), {"transition-to": "closed", "transition-version": "1"}
    )
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()


def test_an_htmx_note_and_question_refresh_the_notes_and_the_reports(client, liaison):
    case = _case()
    report = case.reports.get()
    client.force_login(liaison)
    html = client.post(
        _url(case, "add-note"), {"note-body": "Left a voicemail."}, **HTMX
    ).content.decode()
    assert "Left a voicemail." in _oob(html, "case-notes")
    assert "Note added." in _oob(html, "note-message").split("</div>")[0]
    assert 'id="case-reports"' not in html
    url = reverse(
        "cases:ask-reporter",
        kwargs={"reference": case.reference, "tracking_code": report.tracking_code},
    )
    html = client.post(
        url, {f"ask-{report.pk}-body": "Which street was it?"}, **HTMX
    ).content.decode()
    assert "Which street was it?" in _oob(html, "case-reports")
    assert "Question posted." in _oob(html, f"ask-{report.pk}-message").split("</div>")[0]


def test_the_case_page_names_people_and_lists_the_newest_first(client, liaison, other_liaison):
    liaison.first_name, liaison.last_name = "Dana", "Reyes"
    liaison.save()
    other_liaison.first_name, other_liaison.last_name = "Luis", "Ortega"
    other_liaison.save()
    case = _case()
    client.force_login(liaison)
    client.post(
        _url(case, "assign"),
        {"assign-assignee": str(other_liaison.pk), "assign-version": _version(case)},
    )
    add_note(case=case, author=liaison, body="first note")
    add_note(case=case, author=other_liaison, body="second note")
    html = client.get(_url(case)).content.decode()
    assert '<span id="case-assignee">Luis Ortega</span>' in html
    assert 'id="case-assignee-role">Police liaison</span>' in html
    offered = html.split('name="assign-assignee"')[1].split("</select>")[0]
    assert "Luis Ortega" in offered and "Dana Reyes" in offered and "liaison2" not in offered
    notes = html.split('id="notes"')[1].split("</ul>")[0]
    assert notes.index("second note") < notes.index("first note")
    assert "<strong>Luis Ortega</strong>" in notes
    timeline = html.split('id="timeline"')[1]
    assert "by Dana Reyes" in timeline and "by liaison</p>" not in timeline
    assert timeline.index("second note") < timeline.index("first note")


def test_the_timeline_shows_the_latest_changes_and_the_rest_behind_show_all(client, liaison):
    case = _case()
    for index in range(12):
        add_note(case=case, author=liaison, body=f"note {index}")
    client.force_login(liaison)
    html = client.get(_url(case)).content.decode()
    recent = html.split('id="timeline"')[1].split("</ol>")[0]
    assert recent.count('class="usa-process-list__item"') == 8
    assert "note 11" in recent and "note 3" not in recent
    older = html.split('id="timeline-older"')[1].split("</details>")[0]
    assert "Show all 6 earlier changes" in older and "note 0" in older
    ids = re.findall(r'id="(history-[^"]+)"', html)
    assert len(ids) == len(set(ids)) == 14


def test_seed_reports_are_loaded_from_a_press_source(client, legal):
    from django.core.management import call_command

    call_command("load_seed_cases")
    case = Case.objects.filter(reports__channel=Report.Channel.PRESS).first()
    client.force_login(legal)
    html = client.get(_url(case)).content.decode()
    timeline = html.split('id="case-timeline"')[1]
    assert "loaded from a press source" in timeline
    assert "by the public" not in timeline
