"""Every change made through the case services leaves a history row with actor and reason."""

import pytest

from cases import workflow
from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, CaseNote
from cases.services import (
    add_note,
    assign_case,
    merge_cases,
    override_priority,
    transition_case,
)
from intake.models import Report
from intake.services import submit_report
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case(kinds=("boxed-in",)) -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(kind_codes=kinds))
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def test_transition_records_actor_and_reason(liaison):
    case = transition_case(
        case=_case(), to="triaged", actor=liaison, reason="Read and verified", expected_version=None
    )
    latest = case.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        "triaged",
        liaison,
        "Read and verified",
    )
    assert latest.prev_record.status == "new"


def test_transition_without_a_reason_records_the_move(liaison):
    case = transition_case(case=_case(), to="triaged", actor=liaison, expected_version=None)
    assert case.history.first().history_change_reason == "Status: New → Triaged"


def test_closing_a_new_case_as_spam_needs_a_reason_and_keeps_it(legal):
    case = _case()
    with pytest.raises(CaseError) as caught:
        transition_case(
            case=case, to="closed", actor=legal, close_reason="spam", expected_version=None
        )
    assert caught.value.code == ErrorCode.REASON_REQUIRED
    case.refresh_from_db()
    assert case.status == "new"
    assert case.history.count() == 1
    closed = transition_case(case=case, to="closed", actor=legal, reason="Advert for a lawyer",
                             close_reason="spam", expected_version=None)
    assert (closed.status, closed.close_reason) == ("closed", "spam")
    reopened = transition_case(
        case=closed, to="triaged", actor=legal, reason="Not spam after all", expected_version=None
    )
    assert (reopened.status, reopened.close_reason) == ("triaged", "")


def test_administrator_cannot_transition_a_case(administrator):
    with pytest.raises(CaseError) as caught:
        transition_case(case=_case(), to="triaged", actor=administrator, expected_version=None)
    assert caught.value.code == ErrorCode.ROLE_NOT_PERMITTED


def test_unknown_status_is_refused_with_a_clear_error(liaison):
    with pytest.raises(CaseError) as caught:
        transition_case(case=_case(), to="archived", actor=liaison, expected_version=None)
    assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_assign_records_actor_and_assignee(liaison, other_liaison):
    case = assign_case(case=_case(), assignee=other_liaison, actor=liaison, expected_version=None)
    latest = case.history.first()
    assert latest.assignee_id == other_liaison.pk
    assert latest.history_user == liaison
    assert latest.history_change_reason == "Assigned to liaison2"


def test_cases_cannot_be_assigned_to_someone_without_a_case_role(liaison, administrator):
    with pytest.raises(CaseError) as caught:
        assign_case(case=_case(), assignee=administrator, actor=liaison, expected_version=None)
    assert caught.value.code == ErrorCode.INVALID_ASSIGNEE


def test_priority_override_needs_a_reason_and_is_cleared_by_setting_it_back(legal):
    case = _case(kinds=("boxed-in",))
    assert case.priority == Case.Priority.HIGH
    with pytest.raises(CaseError):
        override_priority(
            case=case, priority=Case.Priority.URGENT, actor=legal, reason="", expected_version=None
        )
    case = override_priority(case=case, priority=Case.Priority.URGENT, actor=legal,
                             reason="Court date next week", expected_version=None)
    assert (case.priority, case.priority_override_reason) == (4, "Court date next week")
    assert case.history.first().history_change_reason == "Court date next week"
    case = override_priority(case=case, priority=Case.Priority.HIGH, actor=legal,
                             reason="Hearing postponed", expected_version=None)
    assert case.priority_override_reason == ""


def test_liaison_cannot_write_legal_only_notes(liaison, legal):
    case = _case()
    with pytest.raises(CaseError) as caught:
        add_note(case=case, author=liaison, body="privileged", visibility="legal")
    assert caught.value.code == ErrorCode.ROLE_NOT_PERMITTED
    note = add_note(case=case, author=legal, body="privileged", visibility="legal")
    history = note.history.get()
    assert (history.history_user, history.history_change_reason) == (legal, "Note added")
    assert CaseNote.objects.count() == 1


def test_merge_closes_a_case_under_investigation_as_a_duplicate_through_the_workflow(legal):
    survivor, duplicate = _case(), _case()
    for status in ("triaged", "investigating"):
        duplicate = transition_case(case=duplicate, to=status, actor=legal, expected_version=None)
    merge_cases(survivor=survivor, duplicates=[duplicate], actor=legal, reason="Same stop",
                expected_version=None)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.close_reason) == ("closed", "duplicate")
    assert duplicate.history.first().status == "closed"


def test_merge_refuses_what_the_workflow_does_not_allow_and_changes_nothing(
    legal, monkeypatch
):
    survivor, duplicate = _case(), _case()
    reports = set(duplicate.reports.all())
    allowed = dict(workflow.MERGE_TRANSITIONS)
    del allowed[("new", "closed")]
    monkeypatch.setattr(workflow, "MERGE_TRANSITIONS", allowed)
    with pytest.raises(CaseError) as caught:
        merge_cases(survivor=survivor, duplicates=[duplicate], actor=legal, reason="Same stop",
                    expected_version=None)
    assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == ("new", None)
    assert set(duplicate.reports.all()) == reports


def test_merge_moves_every_report_and_keeps_every_history_row(liaison):
    survivor, duplicate = _case(kinds=("boxed-in",)), _case(kinds=("shots-fired",))
    moved = list(duplicate.reports.all())
    duplicate_history = duplicate.history.count()
    merged = merge_cases(survivor=survivor, duplicates=[duplicate], actor=liaison,
                         reason="Same stop, reported twice", expected_version=None)
    duplicate.refresh_from_db()
    assert set(merged.reports.all()) == {*survivor.reports.all(), *moved}
    assert merged.reports.count() == 2
    assert (duplicate.status, duplicate.close_reason, duplicate.merged_into) == (
        "closed", "duplicate", merged
    )
    assert duplicate.history.count() == duplicate_history + 1
    assert duplicate.history.first().history_change_reason.startswith(
        f"Merged into {survivor.reference}"
    )
    assert merged.priority == Case.Priority.URGENT
    for report in moved:
        assert report.history.first().history_user == liaison
    with pytest.raises(CaseError) as caught:
        transition_case(
            case=duplicate, to="triaged", actor=liaison, reason="reopen", expected_version=None
        )
    assert caught.value.code == ErrorCode.CASE_MERGED
