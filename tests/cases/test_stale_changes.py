"""Every change to a case states the version of the case its author saw, and a change made on a
view someone else has changed since is refused, saying what changed: in the services, on the
case page and the queue, and in the API (ETag / If-Match)."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.api.serializers.errors import APIErrorCode
from cases.exceptions import CaseError, ErrorCode, StaleCaseError
from cases.models import Case, CaseNote
from cases.services import (
    add_note,
    assign_case,
    merge_cases,
    override_priority,
    set_due_date,
    set_tags,
    transition_case,
)
from intake.models import Report
from intake.services import submit_report
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case(kinds=("boxed-in",)) -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(kind_codes=kinds))
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _close_as_spam(case: Case, actor) -> Case:
    return transition_case(
        case=case,
        to="closed",
        actor=actor,
        reason="An advert",
        close_reason="spam",
        expected_version=_fresh(case).version,
    )


# -- The services ---------------------------------------------------------------------------


def test_a_triage_made_on_a_view_from_before_the_case_was_closed_is_refused(
    liaison, other_liaison
):
    case = _case()
    seen = case.version
    _close_as_spam(case, other_liaison)
    rows = case.history.count()
    with pytest.raises(StaleCaseError) as refused:
        transition_case(
            case=case, to="triaged", actor=liaison, reason="Plates match", expected_version=seen
        )
    assert refused.value.code == ErrorCode.STALE_CASE
    message = refused.value.message
    assert re.search(
        rf"^{case.reference} was changed after you opened it: closed as Spam by liaison2 at ",
        message,
    ), message
    assert "Nothing was changed. It is now Closed (Spam), priority High, unassigned." in message
    assert ".." not in message  # a time ending "a.m." closes the sentence once
    assert refused.value.current_version == seen + 1
    case = _fresh(case)
    assert (case.status, case.close_reason, case.version) == ("closed", "spam", seen + 1)
    assert case.history.count() == rows


def test_every_change_raises_the_version_by_one_and_a_note_leaves_it(liaison, other_liaison):
    case = _case()
    assert case.version == 1
    changes = [
        lambda v: transition_case(case=case, to="triaged", actor=liaison, expected_version=v),
        lambda v: assign_case(
            case=case, assignee=other_liaison, actor=liaison, expected_version=v
        ),
        lambda v: override_priority(
            case=case, priority=1, actor=liaison, reason="Calm", expected_version=v
        ),
        lambda v: set_due_date(
            case=case, due_date=case.opened_at.date(), actor=liaison, expected_version=v
        ),
        lambda v: set_tags(case=case, names=["court"], actor=liaison, expected_version=v),
    ]
    for version, change in enumerate(changes, start=1):
        assert change(version).version == version + 1
        assert _fresh(case).version == version + 1
        assert case.history.latest().version == version + 1
    add_note(case=case, author=liaison, body="Called back.")
    assert _fresh(case).version == len(changes) + 1


@pytest.mark.parametrize(
    "change",
    ["transition", "assign", "priority", "due_date", "tags", "merge"],
)
def test_every_case_service_refuses_a_stale_version_and_changes_nothing(
    change, liaison, other_liaison
):
    case, other = _case(), _case()
    assign_case(case=case, assignee=other_liaison, actor=other_liaison, expected_version=1)
    before = (_fresh(case).version, case.history.count(), other.history.count())
    calls = {
        "transition": lambda: transition_case(
            case=case, to="triaged", actor=liaison, expected_version=1
        ),
        "assign": lambda: assign_case(
            case=case, assignee=liaison, actor=liaison, expected_version=1
        ),
        "priority": lambda: override_priority(
            case=case, priority=4, actor=liaison, reason="Shots", expected_version=1
        ),
        "due_date": lambda: set_due_date(
            case=case, due_date=case.opened_at.date(), actor=liaison, expected_version=1
        ),
        "tags": lambda: set_tags(case=case, names=["court"], actor=liaison, expected_version=1),
        "merge": lambda: merge_cases(
            survivor=case, duplicates=[other], actor=liaison, reason="Same", expected_version=1
        ),
    }
    with pytest.raises(StaleCaseError) as refused:
        calls[change]()
    assert "assigned to liaison2 by liaison2 at " in refused.value.message
    assert (_fresh(case).version, case.history.count(), other.history.count()) == before
    assert _fresh(other).merged_into_id is None


def test_the_refusal_names_each_change_since_who_made_it_and_the_case_now(
    liaison, other_liaison, legal
):
    case = _case()
    assign_case(case=case, assignee=other_liaison, actor=legal, expected_version=1)
    set_tags(case=case, names=["Media attention"], actor=other_liaison, expected_version=2)
    override_priority(case=case, priority=4, actor=other_liaison, reason="TV", expected_version=3)
    with pytest.raises(StaleCaseError) as refused:
        set_due_date(case=case, due_date=None, actor=liaison, expected_version=1)
    message = refused.value.message
    assert "assigned to liaison2 by legal at " in message
    # The two changes liaison2 made in the same minute read as one.
    assert "tags set to media-attention, priority set to Urgent by liaison2 at " in message
    assert message.endswith("It is now New, priority Urgent, assigned to liaison2.")
    # A reason is free text the reader projection may have to scrub: never quoted.
    assert "TV" not in message


def test_a_version_the_case_never_had_is_refused(liaison):
    case = _case()
    with pytest.raises(StaleCaseError) as refused:
        transition_case(case=case, to="triaged", actor=liaison, expected_version=7)
    assert refused.value.message.startswith(
        f"{case.reference} is at version 1, not the version 7 your change was made on."
    )
    assert _fresh(case).status == "new"


# -- Merges resolve chains ------------------------------------------------------------------


def _merge(survivor: Case, *duplicates: Case, actor) -> Case:
    return merge_cases(
        survivor=survivor,
        duplicates=list(duplicates),
        actor=actor,
        reason="Same stop",
        expected_version=_fresh(survivor).version,
    )


def _no_case_points_at_a_merged_case() -> bool:
    return not Case.objects.filter(merged_into__merged_into__isnull=False).exists()


def test_merging_a_case_that_absorbed_another_moves_that_one_to_the_final_survivor(liaison):
    first, second, final = _case(), _case(), _case()
    _merge(second, first, actor=liaison)
    _merge(final, second, actor=liaison)
    assert _fresh(first).merged_into_id == final.pk
    assert _fresh(second).merged_into_id == final.pk
    assert _no_case_points_at_a_merged_case()
    assert set(Report.objects.filter(case=final).values_list("case_id", flat=True)) == {final.pk}
    assert Report.objects.filter(case=final).count() == 3
    latest = first.history.latest()
    assert (latest.merged_into_id, latest.history_user) == (final.pk, liaison)
    assert latest.history_change_reason == (
        f"Merged into {final.reference} with {second.reference}, which it was merged into: "
        "Same stop"
    )
    assert {c.reference for c in Case.objects.filter(merged_into=final)} == {
        first.reference, second.reference
    }


def test_merging_into_a_merged_case_goes_to_the_case_it_was_merged_into(liaison):
    merged_away, survivor, newcomer = _case(), _case(), _case()
    _merge(survivor, merged_away, actor=liaison)
    result = _merge(merged_away, newcomer, actor=liaison)
    assert result.pk == survivor.pk
    assert _fresh(newcomer).merged_into_id == survivor.pk
    assert Report.objects.filter(case=survivor).count() == 3
    assert _no_case_points_at_a_merged_case()


def test_a_duplicate_already_merged_elsewhere_is_refused_naming_where_it_went(liaison):
    merged_away, first_survivor, other = _case(), _case(), _case()
    _merge(first_survivor, merged_away, actor=liaison)
    rows = other.history.count()
    with pytest.raises(CaseError) as refused:
        _merge(other, merged_away, actor=liaison)
    assert refused.value.code == ErrorCode.CASE_MERGED
    assert refused.value.message == (
        f"{merged_away.reference} was already merged into {first_survivor.reference}. If that "
        f"case is the same incident, merge {first_survivor.reference} instead."
    )
    assert _fresh(merged_away).merged_into_id == first_survivor.pk
    assert other.history.count() == rows


def test_merging_a_case_again_into_its_survivor_or_the_survivor_into_it_is_refused(liaison):
    merged_away, survivor = _case(), _case()
    _merge(survivor, merged_away, actor=liaison)
    with pytest.raises(CaseError) as again:
        _merge(survivor, merged_away, actor=liaison)
    assert (again.value.code, again.value.message) == (
        ErrorCode.INVALID_MERGE,
        f"{merged_away.reference} was already merged into {survivor.reference}.",
    )
    with pytest.raises(CaseError) as backwards:
        _merge(merged_away, survivor, actor=liaison)
    assert backwards.value.code == ErrorCode.INVALID_MERGE
    assert _fresh(survivor).merged_into_id is None


def test_a_merged_case_page_sends_to_the_final_survivor(client, liaison):
    first, second, final = _case(), _case(), _case()
    _merge(second, first, actor=liaison)
    _merge(final, second, actor=liaison)
    client.force_login(liaison)
    for case in (first, second):
        response = client.get(reverse("cases:case", kwargs={"reference": case.reference}))
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:case", kwargs={"reference": final.reference})


# -- The case page --------------------------------------------------------------------------


def _case_url(case: Case, name: str = "case") -> str:
    return reverse(f"cases:{name}", kwargs={"reference": case.reference})


def _hidden_version(html: str, prefix: str) -> str | None:
    found = re.search(rf'<input type="hidden" name="{prefix}-version" value="(\d+)"', html)
    return found[1] if found else None


def test_every_form_that_changes_a_case_carries_the_version_the_page_shows(client, liaison):
    case = _case()
    transition_case(case=case, to="triaged", actor=liaison, expected_version=1)
    client.force_login(liaison)
    html = client.get(_case_url(case)).content.decode()
    for prefix in ("transition", "assign", "priority", "due", "tags", "merge"):
        assert _hidden_version(html, prefix) == "2", prefix
    assert 'name="note-version"' not in html


def test_a_stale_transition_on_the_page_answers_409_shows_the_case_now_and_keeps_the_reason(
    client, liaison, other_liaison
):
    case = _case()
    client.force_login(liaison)
    seen = _hidden_version(client.get(_case_url(case)).content.decode(), "transition")
    _close_as_spam(case, other_liaison)
    payload = {
        "transition-to": "triaged",
        "transition-reason": "The plates match a second report",
        "transition-version": seen,
    }
    response = client.post(_case_url(case, "transition"), payload)
    assert response.status_code == 409
    html = response.content.decode()
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "closed as Spam by liaison2 at " in summary
    assert "Nothing was changed." in summary
    assert re.search(r'id="case-status">Closed \(Spam\)</dd>', html)
    assert "The plates match a second report</textarea>" in html
    assert _fresh(case).status == "closed"
    # The form now carries the version shown: sending it again is a decision on what is shown.
    assert _hidden_version(html, "transition") == str(_fresh(case).version)
    resent = client.post(_case_url(case, "transition"), {**payload, "transition-version": "2"})
    assert resent.status_code == 302
    assert _fresh(case).status == "triaged"


def test_a_form_without_its_version_is_refused_as_out_of_date(client, liaison):
    case = _case()
    client.force_login(liaison)
    for version in ("", "abc", "0"):
        response = client.post(
            _case_url(case, "assign"),
            {"assign-assignee": str(liaison.pk), "assign-version": version},
        )
        assert response.status_code == 400
        assert "This page is out of date." in response.content.decode()
    assert _fresh(case).assignee_id is None


def test_a_stale_merge_on_the_page_is_refused_and_moves_nothing(client, liaison, other_liaison):
    survivor, duplicate = _case(), _case()
    client.force_login(liaison)
    assign_case(case=survivor, assignee=other_liaison, actor=other_liaison, expected_version=1)
    response = client.post(
        _case_url(survivor, "merge"),
        {"merge-duplicates": duplicate.reference, "merge-reason": "Same", "merge-version": "1"},
    )
    assert response.status_code == 409
    assert "assigned to liaison2 by liaison2" in response.content.decode()
    assert _fresh(duplicate).merged_into_id is None
    assert duplicate.reports.count() == 1


# -- The queue's bulk actions ---------------------------------------------------------------


def test_queue_rows_tick_each_case_with_the_version_shown(client, liaison):
    case = _case()
    transition_case(case=case, to="triaged", actor=liaison, expected_version=1)
    client.force_login(liaison)
    html = client.get(reverse("cases:queue")).content.decode()
    assert f'name="bulk-cases" value="{case.reference}:2"' in html


def test_a_bulk_action_with_one_stale_row_changes_no_case(client, liaison, other_liaison):
    fresh, stale, untouched = _case(), _case(), _case()
    ticked = [f"{fresh.reference}:1", f"{stale.reference}:1"]
    _close_as_spam(stale, other_liaison)
    client.force_login(liaison)
    response = client.post(
        reverse("cases:bulk"),
        {"bulk-cases": ticked, "bulk-action": "assign", "bulk-assignee": str(liaison.pk),
         "bulk-reason": "Mine now"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "None of the ticked cases was changed." in page
    assert f"{stale.reference} was changed after you opened it: closed as Spam by liaison2" in page
    for case in (fresh, stale, untouched):
        assert _fresh(case).assignee_id is None
        assert not case.history.filter(history_change_reason="Mine now").exists()


def test_a_bulk_action_without_versions_is_refused_as_out_of_date(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        reverse("cases:bulk"),
        {"bulk-cases": [case.reference], "bulk-action": "transition", "bulk-to": "triaged"},
        follow=True,
    )
    assert "The queue is out of date." in response.content.decode()
    assert _fresh(case).status == "new"


# -- The API --------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _url(case: Case, action: str = "") -> str:
    return f"/api/v1/cases/{case.reference}/" + (f"{action}/" if action else "")


def test_the_case_detail_sends_its_version_as_the_etag(liaison):
    case = _case()
    transition_case(case=case, to="triaged", actor=liaison, expected_version=1)
    response = _api(liaison).get(_url(case))
    assert response["ETag"] == '"2"'
    assert response.json()["version"] == 2


def test_a_write_with_the_etag_read_succeeds_and_answers_the_next_etag(liaison):
    case = _case()
    api = _api(liaison)
    etag = api.get(_url(case))["ETag"]
    response = api.post(
        _url(case, "transition"), {"to": "triaged"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["version"] == 2
    again = api.post(
        _url(case, "assign"), {"assignee": liaison.pk}, format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert again.status_code == 200
    assert _fresh(case).assignee_id == liaison.pk


def test_a_stale_write_answers_412_with_what_changed_and_the_case_now(liaison, other_liaison):
    case = _case()
    api = _api(liaison)
    etag = api.get(_url(case))["ETag"]
    _close_as_spam(case, other_liaison)
    rows = case.history.count()
    response = api.post(
        _url(case, "transition"), {"to": "triaged", "reason": "Real"}, format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412
    body = response.json()
    assert body["code"] == APIErrorCode.STALE_CASE == "stale_case"
    assert "closed as Spam by liaison2 at " in body["detail"]
    assert (body["case"]["status"], body["case"]["close_reason"]) == ("closed", "spam")
    assert body["case"]["version"] == 2
    assert response["ETag"] == '"2"'
    assert case.history.count() == rows


@pytest.mark.parametrize("if_match", [None, "", "*", 'W/"1"', "1", '"1", "2"', '"x"'])
def test_a_write_that_states_no_single_version_answers_428(liaison, if_match):
    case, duplicate = _case(), _case()
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    for action, body in (
        ("transition", {"to": "triaged"}),
        ("assign", {"assignee": liaison.pk}),
        ("tags", {"tags": ["court"]}),
        ("merge", {"duplicates": [duplicate.reference], "reason": "Same"}),
    ):
        response = _api(liaison).post(_url(case, action), body, format="json", **headers)
        assert response.status_code == 428, (action, response.content)
        assert response.json()["code"] == APIErrorCode.PRECONDITION_REQUIRED
    case = _fresh(case)
    assert (case.status, case.assignee_id, case.version) == ("new", None, 1)
    assert _fresh(duplicate).merged_into_id is None


def test_a_note_needs_no_version(liaison):
    case = _case()
    response = _api(liaison).post(_url(case, "notes"), {"body": "Called back."}, format="json")
    assert response.status_code == 201
    assert CaseNote.objects.filter(case=case).count() == 1


def test_the_schema_documents_if_match_and_the_precondition_answers(client, liaison):
    client.force_login(liaison)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    detail = schema["paths"]["/api/v1/cases/{reference}/"]["get"]
    assert "ETag" in detail["responses"]["200"]["headers"]
    for action in ("transition", "assign", "tags", "merge"):
        operation = schema["paths"][f"/api/v1/cases/{{reference}}/{action}/"]["post"]
        header = next(p for p in operation["parameters"] if p["name"] == "If-Match")
        assert (header["in"], header["required"]) == ("header", True)
        assert {"412", "428"} <= set(operation["responses"])
    notes = schema["paths"]["/api/v1/cases/{reference}/notes/"]["post"]
    assert all(p["name"] != "If-Match" for p in notes.get("parameters", []))
