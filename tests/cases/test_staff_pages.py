"""The staff pages: who may open and act on them, what each role sees, the queue's filters, the
forms' effect on cases and their history, and fixed query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseNote
from cases.services import add_note, assign_case, transition_case
from intake.inputs import FactInput, SourceInput
from intake.models import Report
from intake.services import submit_report
from tests.conftest import confirmed_app_device, give_code
from tests.factories import (
    ComplainantInputFactory,
    EncounterInputFactory,
    ReportSubmissionFactory,
    WitnessInputFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_role_user", "administrator", "liaison", "legal"]
CASE_WORKERS = {"liaison", "legal"}


def _case(narrative: str | None = None, **encounter) -> Case:
    extra = {"narrative": narrative} if narrative else {}
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(**encounter), **extra)
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _client_as(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _case_url(case: Case, name: str = "case") -> str:
    return reverse(f"cases:{name}", kwargs={"reference": case.reference})


# The form prefix of each case action; the note form carries no version.
_PREFIXES = {"transition": "transition", "assign": "assign", "priority": "priority",
             "due-date": "due", "tags": "tags", "merge": "merge"}


def _seen(case: Case, action: str) -> dict[str, str]:
    """The hidden field a case page's form sends: the version of the case as it is now."""
    if action not in _PREFIXES:
        return {}
    return {f"{_PREFIXES[action]}-version": str(Case.objects.get(pk=case.pk).version)}


def _login_redirect(response, url: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        f"{reverse('cases:login')}?next="
    )


# --- The permission matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_queue_is_for_case_workers_only(client, request, role):
    _case()
    url = reverse("cases:queue")
    response = _client_as(client, request, role).get(url)
    if role == "anonymous":
        assert _login_redirect(response, url)
    elif role in CASE_WORKERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_case_page_is_for_case_workers_only(client, request, role):
    case = _case()
    url = _case_url(case)
    response = _client_as(client, request, role).get(url)
    if role == "anonymous":
        assert _login_redirect(response, url)
    elif role in CASE_WORKERS:
        assert response.status_code == 200
        assert case.reference in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_hidden_case_answers_exactly_like_a_missing_one(client, request, role, liaison):
    case = _case()
    client.force_login(request.getfixturevalue(role))
    hidden = client.get(_case_url(case))
    missing = client.get(reverse("cases:case", kwargs={"reference": "RD-2026-999999"}))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    client.force_login(liaison)
    missing_url = reverse("cases:case", kwargs={"reference": "RD-2026-999999"})
    assert client.get(missing_url).status_code == 404


def _action_payload(name: str, other_liaison, duplicate: Case) -> dict[str, str]:
    return {
        "transition": {"transition-to": "triaged", "transition-reason": "Plates checked"},
        "assign": {"assign-assignee": str(other_liaison.pk)},
        "priority": {"priority-priority": "4", "priority-reason": "Shots fired nearby"},
        "due-date": {"due-due_date": "2030-01-31"},
        "add-note": {"note-body": "Called the witness back.", "note-visibility": "staff"},
        "merge": {"merge-duplicates": duplicate.reference, "merge-reason": "Same stop"},
    }[name]


def _effect(name: str, case: Case, duplicate: Case):
    case.refresh_from_db()
    duplicate.refresh_from_db()
    return {
        "transition": case.status == "triaged",
        "assign": case.assignee_id is not None,
        "priority": case.priority == Case.Priority.URGENT,
        "due-date": case.due_date is not None,
        "add-note": CaseNote.objects.filter(case=case).exists(),
        "merge": duplicate.merged_into_id == case.pk,
    }[name]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action", ["transition", "assign", "priority", "due-date", "add-note", "merge"]
)
def test_case_actions_are_for_case_workers_only(client, request, role, action, other_liaison):
    case, duplicate = _case(), _case()
    url = _case_url(case, action)
    response = _client_as(client, request, role).post(
        url, _action_payload(action, other_liaison, duplicate) | _seen(case, action)
    )
    if role == "anonymous":
        assert _login_redirect(response, url)
        assert not _effect(action, case, duplicate)
    elif role in CASE_WORKERS:
        assert response.status_code == 302
        assert response["Location"] == _case_url(case)
        assert _effect(action, case, duplicate)
    else:
        assert response.status_code == 404
        assert not _effect(action, case, duplicate)


def test_case_actions_refuse_get(client, liaison):
    case = _case()
    client.force_login(liaison)
    assert client.get(_case_url(case, "transition")).status_code == 405


def test_login_page_signs_staff_in_and_sends_them_to_the_queue(client, liaison):
    confirmed_app_device(liaison)
    assert client.get(reverse("cases:login")).status_code == 200
    response = client.post(
        reverse("cases:login"),
        {"username": "liaison", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:queue")
    # The password alone reaches the code page; the app's code, the queue.
    queue = client.get(reverse("cases:queue"))
    assert queue["Location"] == f"{reverse('cases:verify')}?next=%2Fstaff%2Fcases%2F"
    assert give_code(client, liaison)["Location"] == reverse("cases:queue")
    assert client.get(reverse("cases:queue")).status_code == 200
    client.post(reverse("cases:logout"))
    assert client.get(reverse("cases:queue")).status_code == 302


def test_login_page_refuses_a_wrong_password(client, liaison):
    response = client.post(
        reverse("cases:login"), {"username": "liaison", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


# --- What each role sees -----------------------------------------------------------------------

SECRET_NAME = "Zelda Quartermaine"
SECRET_EMAIL = "zelda.q@example.net"
SECRET_WITNESS = "Ignatius Pemberton"


def _private_case() -> Case:
    submission = ReportSubmissionFactory(
        consent_to_share_with_liaison=False,
        complainants=(
            ComplainantInputFactory(
                name=SECRET_NAME,
                email=SECRET_EMAIL,
                race_ethnicity="Somali American",
                occupation="Off-duty police officer",
            ),
        ),
        witnesses=(WitnessInputFactory(name=SECRET_WITNESS, contact="ig@example.net"),),
    )
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def test_liaison_cannot_see_identity_without_consent(client, liaison):
    case = _private_case()
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_WITNESS, "ig@example.net",
                   "Somali American", "Off-duty police officer"):
        assert secret not in html
    assert "Identity withheld (no consent to share with liaisons)" in html


def test_liaison_sees_identity_with_consent(client, liaison):
    submission = ReportSubmissionFactory(
        consent_to_share_with_liaison=True,
        complainants=(ComplainantInputFactory(name=SECRET_NAME, email=SECRET_EMAIL),),
    )
    case = submit_report(submission=submission, channel="web").report.case
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    assert SECRET_NAME in html
    assert SECRET_EMAIL in html


def test_legal_sees_every_identity(client, legal):
    case = _private_case()
    client.force_login(legal)
    html = client.get(_case_url(case)).content.decode()
    for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_WITNESS, "Off-duty police officer"):
        assert secret in html
    assert "Identity withheld" not in html


def test_liaison_never_sees_legal_only_notes_on_page_or_timeline(client, liaison, legal):
    case = _case()
    add_note(case=case, author=legal, body="Privileged litigation strategy", visibility="legal")
    add_note(case=case, author=liaison, body="Staff can read this", visibility="staff")
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    assert "Privileged litigation strategy" not in html
    assert "Staff can read this" in html
    client.force_login(legal)
    html = client.get(_case_url(case)).content.decode()
    # Once in the notes and once in the timeline's before/after.
    assert html.count("Privileged litigation strategy") == 2


def test_only_legal_may_choose_legal_only_visibility(client, liaison, legal):
    case = _case()
    client.force_login(liaison)
    page = client.get(_case_url(case)).content.decode()
    assert 'name="note-visibility" value="staff"' in page
    assert "Legal staff only" not in page
    forged = client.post(
        _case_url(case, "add-note"), {"note-body": "secret", "note-visibility": "legal"}
    )
    assert forged.status_code == 400
    assert "Your role may not write legal-only notes." in forged.content.decode()
    assert not CaseNote.objects.exists()
    client.force_login(legal)
    assert "Legal staff only" in client.get(_case_url(case)).content.decode()
    response = client.post(
        _case_url(case, "add-note"), {"note-body": "secret", "note-visibility": "legal"}
    )
    assert response.status_code == 302
    assert CaseNote.objects.get().visibility == CaseNote.Visibility.LEGAL


def test_case_page_shows_each_source_and_highlights_conflicts(client, liaison, legal):
    first = submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(file="star.txt", headline="Officer boxed in", outlet="Star"),
            facts=(FactInput(topic="chief-name", label="Police chief", value="Rooley"),),
        ),
        channel="press",
    ).report
    submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(file="post.txt", headline="Agents draw guns", outlet="Post"),
            facts=(FactInput(topic="chief-name", label="Police chief", value="Bruley"),),
        ),
        channel="press",
        case=first.case,
        actor=legal,
    )
    client.force_login(liaison)
    html = client.get(_case_url(first.case)).content.decode()
    for text in ("Officer boxed in", "Agents draw guns", "Star", "Post"):
        assert text in html
    # Our file names for the articles are never their citation.
    assert "star.txt" not in html
    assert "post.txt" not in html
    assert "Where the sources disagree" in html
    assert "<mark>Rooley</mark>" in html
    assert "<mark>Bruley</mark>" in html
    # Each version links to the sources that state it, by outlet.
    assert f'<a href="#report-{first.tracking_code}">Star</a>' in html


def test_case_page_cites_a_press_source_by_outlet_headline_author_date_and_url(
    client, liaison
):
    from datetime import date

    cited = submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(
                file="0001_internal_copy.txt",
                headline="Agents box in a driver",
                outlet="Sahan Journal",
                author="A. Reporter",
                published_on=date(2026, 1, 20),
                url="https://example.org/news/agents-box-in-a-driver",
                checked=True,
            ),
        ),
        channel="press",
    ).report
    client.force_login(liaison)
    html = client.get(_case_url(cited.case)).content.decode()
    for text in (
        "Sahan Journal",
        "Agents box in a driver",
        "A. Reporter",
        "Jan. 20, 2026",
        'href="https://example.org/news/agents-box-in-a-driver"',
        "Loaded from a press source",
    ):
        assert text in html
    assert "0001_internal_copy" not in html


def test_case_page_says_when_the_article_gives_no_date_author_or_url(client, liaison):
    bare = submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(file="0002_internal_copy.txt", headline="Stopped", checked=True),
        ),
        channel="press",
    ).report
    unchecked = submit_report(
        submission=ReportSubmissionFactory(source=SourceInput(file="0003_internal_copy.txt")),
        channel="press",
        case=bare.case,
    ).report
    client.force_login(liaison)
    html = client.get(_case_url(bare.case)).content.decode()
    for text in (
        "No publication date given in the article",
        "No URL given",
        "No author named in the article",
        "Not named in the article",
    ):
        assert html.count(text) == 1, text
    # A citation nobody read from the article claims nothing about it.
    section = html[html.index(f'id="report-{unchecked.tracking_code}"') :]
    assert "Not recorded" in section
    assert "internal_copy" not in html


def test_case_page_lists_evidence_with_its_sha256(client, liaison):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intake.inputs import EvidenceInput

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01"
           b"\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
    upload = SimpleUploadedFile("photo.png", png, content_type="image/png")
    report = submit_report(
        submission=ReportSubmissionFactory(evidence=(EvidenceInput(file=upload),)),
        channel="web",
    ).report
    client.force_login(liaison)
    html = client.get(_case_url(report.case)).content.decode()
    assert report.evidence.get().sha256 in html


# --- The queue ---------------------------------------------------------------------------------


def _queue(client, query: str = "") -> str:
    response = client.get(f"{reverse('cases:queue')}{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_queue_filters_in_the_url_narrow_the_list(client, liaison):
    guns = _case(kind_codes=("weapons-drawn",))
    quiet = _case(
        narrative="Agents questioned me at a bus stop about my accent.",
        kind_codes=("questioned-status",),
        plates="",
    )
    transition_case(case=quiet, to="triaged", actor=liaison, expected_version=None)
    client.force_login(liaison)
    everything = _queue(client)
    assert guns.reference in everything and quiet.reference in everything
    for query, shown, hidden in [
        ("?weapons_drawn=1", guns, quiet),
        ("?weapons_drawn=0", quiet, guns),
        ("?q=boxed", guns, quiet),
        ("?status=new", guns, quiet),
        ("?status=triaged", quiet, guns),
    ]:
        html = _queue(client, query)
        assert shown.reference in html, query
        assert hidden.reference not in html, query


def test_queue_filter_form_keeps_its_values_and_counts_statuses(client, liaison):
    _case()
    client.force_login(liaison)
    html = _queue(client, "?status=new&q=boxed&weapons_drawn=1")
    assert 'name="status" value="new" class="usa-checkbox__input" id="id_status_0" checked' in html
    assert 'value="boxed"' in html
    assert '<option value="1" selected>Yes</option>' in html
    assert 'id="count-new">New <span class="usa-tag">1</span>' in html


def test_queue_shows_assignee_and_filters_mine(client, liaison, other_liaison):
    mine, theirs = _case(), _case()
    assign_case(case=mine, assignee=liaison, actor=liaison, expected_version=None)
    assign_case(case=theirs, assignee=other_liaison, actor=liaison, expected_version=None)
    client.force_login(liaison)
    html = _queue(client, "?assignee=mine")
    assert mine.reference in html and theirs.reference not in html
    table = html.split('id="queue-table"')[1].split("</table>")[0]
    assert "liaison2" not in table
    assert f'id="case-{mine.reference}"' in table


def test_queue_paginates_and_keeps_filters_in_page_links(client, liaison):
    for _ in range(26):
        _case()
    client.force_login(liaison)
    html = _queue(client, "?weapons_drawn=1")
    assert "26 cases" in html
    assert html.count('<tr id="case-') == 25
    assert "?weapons_drawn=1&amp;page=2" in html
    assert _queue(client, "?weapons_drawn=1&page=2").count('<tr id="case-') == 1


def test_a_mistyped_filter_shows_an_error_and_ignores_only_that_filter(client, liaison):
    case = _case()
    client.force_login(liaison)
    html = _queue(client, "?occurred_from=yesterday")
    assert "There is a problem" in html
    assert case.reference in html


# --- Actions through the forms -----------------------------------------------------------------


def test_transition_through_the_form_records_reason_and_actor(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        _case_url(case, "transition"),
        {"transition-to": "triaged", "transition-reason": "Checked the plates"}
        | _seen(case, "transition"),
        follow=True,
    )
    assert response.redirect_chain == [(_case_url(case), 302)]
    assert "is now Triaged" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "triaged"
    latest = case.history.latest()
    assert latest.history_user == liaison
    assert latest.history_change_reason == "Checked the plates"
    assert "Checked the plates" in response.content.decode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"transition-to": "closed", "transition-close_reason": "spam"},
         "Moving a case from New to Closed needs a reason."),
        ({"transition-to": "resolved"}, "A case cannot move from New to Resolved."),
        ({"transition-to": "closed", "transition-reason": "Duplicate of the other"},
         "Choose why the case is closed"),
    ],
)
def test_refused_transition_shows_the_message_and_changes_nothing(
    client, liaison, payload, message
):
    case = _case()
    rows = case.history.count()
    client.force_login(liaison)
    response = client.post(_case_url(case, "transition"), payload | _seen(case, "transition"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "new"
    assert case.history.count() == rows


def test_transition_form_offers_only_the_moves_the_role_may_make(client, liaison):
    case = _case()
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    offered = html.split('name="transition-to"')[1].split("</select>")[0]
    assert 'value="triaged"' in offered and 'value="closed"' in offered
    assert 'value="investigating"' not in offered and 'value="resolved"' not in offered


def test_assign_offers_only_case_workers_and_refuses_others(
    client, liaison, other_liaison, administrator
):
    case = _case()
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    offered = html.split('name="assign-assignee"')[1].split("</select>")[0]
    assert "liaison2" in offered and "administrator" not in offered
    response = client.post(
        _case_url(case, "assign"),
        {"assign-assignee": str(administrator.pk)} | _seen(case, "assign"),
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None


def test_priority_override_needs_a_reason(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        _case_url(case, "priority"), {"priority-priority": "1"} | _seen(case, "priority")
    )
    assert response.status_code == 400
    assert "Changing the priority needs a reason." in response.content.decode()
    case.refresh_from_db()
    assert case.priority != Case.Priority.LOW


def test_merge_through_the_form_moves_reports_and_redirects_the_duplicate(client, liaison):
    survivor, duplicate = _case(), _case()
    moved = list(duplicate.reports.values_list("pk", flat=True))
    client.force_login(liaison)
    response = client.post(
        _case_url(survivor, "merge"),
        {"merge-duplicates": duplicate.reference.lower(), "merge-reason": "Same traffic stop"}
        | _seen(survivor, "merge"),
    )
    assert response.status_code == 302
    assert set(survivor.reports.values_list("pk", flat=True)) >= set(moved)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert duplicate.status == "closed"
    response = client.get(_case_url(duplicate))
    assert response.status_code == 302
    assert response["Location"] == _case_url(survivor)
    html = client.get(_case_url(survivor)).content.decode()
    assert duplicate.reference in html
    assert "Same traffic stop" in html


def test_merge_with_an_unknown_reference_changes_nothing(client, liaison):
    survivor = _case()
    client.force_login(liaison)
    response = client.post(
        _case_url(survivor, "merge"),
        {"merge-duplicates": "RD-2026-999999", "merge-reason": "Same stop"}
        | _seen(survivor, "merge"),
    )
    assert response.status_code == 400
    assert "No case with the reference RD-2026-999999." in response.content.decode()


def test_merge_into_itself_is_refused_with_the_service_message(client, liaison):
    survivor = _case()
    client.force_login(liaison)
    response = client.post(
        _case_url(survivor, "merge"),
        {"merge-duplicates": survivor.reference, "merge-reason": "Same stop"}
        | _seen(survivor, "merge"),
    )
    assert response.status_code == 400
    assert "Choose at least one other case to merge." in response.content.decode()


def test_due_date_and_note_through_the_forms(client, liaison):
    case = _case()
    client.force_login(liaison)
    client.post(
        _case_url(case, "due-date"), {"due-due_date": "2030-01-31"} | _seen(case, "due-date")
    )
    client.post(_case_url(case, "add-note"), {"note-body": "Left a voicemail."})
    html = client.get(_case_url(case)).content.decode()
    assert "Left a voicemail." in html
    assert "Due date set to 2030-01-31" in html


# --- Bulk actions from the queue ---------------------------------------------------------------


def _ticked(references) -> list[str]:
    """The queue's checkboxes for these cases: each reference with the version the row shows."""
    versions = dict(
        Case.objects.filter(reference__in=references).values_list("reference", "version")
    )
    return [f"{reference}:{versions[reference]}" for reference in references]


def _bulk(client, references, **fields):
    payload = {"bulk-cases": _ticked(references), "next": "/staff/cases/?status=new"}
    payload.update({f"bulk-{name}": value for name, value in fields.items()})
    return client.post(reverse("cases:bulk"), payload)


def test_bulk_assign_assigns_every_ticked_case_with_history(client, liaison, other_liaison):
    first, second, untouched = _case(), _case(), _case()
    client.force_login(liaison)
    response = _bulk(
        client, [first.reference, second.reference], action="assign",
        assignee=str(other_liaison.pk), reason="Spreading the load",
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/cases/?status=new"
    for case in (first, second):
        case.refresh_from_db()
        assert case.assignee == other_liaison
        assert case.history.latest().history_change_reason == "Spreading the load"
        assert case.history.latest().history_user == liaison
    untouched.refresh_from_db()
    assert untouched.assignee is None


def test_bulk_transition_changes_nothing_if_any_case_is_refused(client, liaison):
    fresh, triaged = _case(), _case()
    transition_case(case=triaged, to="triaged", actor=liaison, expected_version=None)
    client.force_login(liaison)
    response = _bulk(client, [fresh.reference, triaged.reference], action="transition",
                     to="triaged")
    page = client.get(response["Location"]).content.decode()
    assert f"Nothing was changed. {triaged.reference}: A case cannot move" in page
    fresh.refresh_from_db()
    assert fresh.status == "new"
    _bulk(client, [fresh.reference], action="transition", to="triaged")
    fresh.refresh_from_db()
    assert fresh.status == "triaged"


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_bulk_actions_are_refused_without_case_access(client, request, role, other_liaison):
    case = _case()
    client.force_login(request.getfixturevalue(role))
    response = _bulk(client, [case.reference], action="assign", assignee=str(other_liaison.pk))
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.assignee is None


def test_bulk_actions_redirect_anonymous_users_to_sign_in(client):
    case = _case()
    response = _bulk(client, [case.reference], action="transition", to="triaged")
    assert _login_redirect(response, reverse("cases:bulk"))
    case.refresh_from_db()
    assert case.status == "new"


def test_bulk_actions_never_redirect_off_site(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        reverse("cases:bulk"),
        {"bulk-cases": _ticked([case.reference]), "bulk-action": "transition",
         "bulk-to": "triaged", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("cases:queue")


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_page_query_count_does_not_grow_with_cases(client, liaison, other_liaison):
    client.force_login(liaison)
    assign_case(case=_case(), assignee=liaison, actor=liaison, expected_version=None)
    url = reverse("cases:queue")
    client.get(url)  # the first page keeps a CSRF secret in the session, which saves it
    one = _queries(client, url)
    for index in range(29):
        case = _case(agency_codes=("ice", "cbp"))
        assign_case(
            case=case,
            assignee=liaison if index % 2 else other_liaison,
            actor=liaison,
            expected_version=None,
        )
    assert _queries(client, url) == one
    assert _queries(client, f"{url}?weapons_drawn=1&q=boxed&page=2") == one


def test_case_page_query_count_does_not_grow_with_reports_notes_and_history(
    client, liaison, legal
):
    small = _case()
    add_note(case=small, author=liaison, body="first")
    assign_case(case=small, assignee=legal, actor=legal, expected_version=None)
    big = _case()
    for index in range(30):
        submit_report(
            submission=ReportSubmissionFactory(
                witnesses=(WitnessInputFactory(),),
                source=SourceInput(file=f"source-{index}.txt", outlet=f"Outlet {index}"),
                facts=(FactInput(topic="chief-name", label="Chief", value=f"Name {index}"),),
            ),
            channel="press",
            actor=legal,
            case=big,
        )
        add_note(case=big, author=liaison, body=f"note {index}")
        add_note(case=big, author=legal, body=f"legal note {index}", visibility="legal")
        assign_case(
            case=big, assignee=liaison if index % 2 else legal, actor=legal, expected_version=None
        )
    for user in (liaison, legal):
        client.force_login(user)
        client.get(_case_url(small))  # keeps a CSRF secret in the session, which saves it
        assert _queries(client, _case_url(big)) == _queries(client, _case_url(small))


def test_liaison_never_sees_evidence_file_names_without_consent(client, liaison, legal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.timeline import case_timeline
    from intake.inputs import EvidenceInput
    from intake.services import submit_report
    from tests.factories import ReportSubmissionFactory

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01"
           b"\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
    upload = SimpleUploadedFile("maria_gonzalez_id.png", png, content_type="image/png")
    case = submit_report(
        submission=ReportSubmissionFactory(evidence=(EvidenceInput(file=upload),)),
        channel="web",
    ).report.case
    url = f"/staff/cases/{case.reference}/"
    client.force_login(liaison)
    assert "maria_gonzalez" not in client.get(url).content.decode()
    assert "maria_gonzalez" not in client.get(f"/api/v1/cases/{case.reference}/").content.decode()
    assert not any("maria_gonzalez" in e.subject for e in case_timeline(user=liaison, case=case))
    client.force_login(legal)
    assert "maria_gonzalez_id.png" in client.get(url).content.decode()


def test_narratives_and_statements_withhold_names_the_liaison_may_not_see(client, liaison, legal):
    from intake.inputs import ComplainantInput
    from intake.services import submit_report
    from tests.factories import ReportSubmissionFactory, WitnessInputFactory

    submission = ReportSubmissionFactory(
        narrative="Agents stopped Marisol Quintero on Lake St. Call her at 612-555-0199.",
        complainants=(ComplainantInput(role="affected", name="Marisol Quintero",
                                       email="marisol@example.org"),),
        witnesses=(WitnessInputFactory(name="Tomas Whitfield",
                                       statement="Tomas Whitfield here: I saw Marisol cry."),),
    )
    case = submit_report(submission=submission, channel="web").report.case
    client.force_login(liaison)
    for url in (f"/staff/cases/{case.reference}/", f"/api/v1/cases/{case.reference}/"):
        body = client.get(url).content.decode()
        for secret in ("Marisol", "Quintero", "Whitfield", "612-555-0199"):
            assert secret not in body, (url, secret)
        assert "Lake St" in body
    client.force_login(legal)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Agents stopped Marisol Quintero" in page
    assert "I saw Marisol cry" in page


def test_bulk_transition_locks_every_ticked_case_before_changing_any(postgres, client, liaison):
    cases = [_case(), _case(), _case()]
    client.force_login(liaison)
    with CaptureQueriesContext(connection) as queries:
        _bulk(client, [c.reference for c in reversed(cases)], action="transition", to="triaged")
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [i for i, text in enumerate(sql) if "FOR UPDATE" in text]
    first_write = next(i for i, text in enumerate(sql) if text.startswith("UPDATE"))
    # One statement locks all three, in id order, before the first change; the services'
    # own locks of each case come after and wait for nothing.
    ids = ", ".join(str(pk) for pk in sorted(c.pk for c in cases))
    assert locks[0] < first_write
    assert f"IN ({ids}) ORDER BY" in sql[locks[0]]
    assert all(Case.objects.get(pk=c.pk).status == "triaged" for c in cases)
