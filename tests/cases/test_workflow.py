"""The workflow table, checked against every (from, to) pair and every role."""

import itertools

import pytest

from cases.exceptions import CaseError, ErrorCode
from cases.models import Case
from cases.roles import Role
from cases.workflow import MERGE_TRANSITIONS, allowed_targets, check_transition

S = Case.Status
ALLOWED = {
    (S.NEW, S.TRIAGED),
    (S.TRIAGED, S.INVESTIGATING),
    (S.INVESTIGATING, S.REFERRED),
    (S.REFERRED, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.NEW, S.CLOSED),
    (S.TRIAGED, S.CLOSED),
    (S.REFERRED, S.INVESTIGATING),
    (S.CLOSED, S.TRIAGED),
    (S.RESOLVED, S.TRIAGED),
}
NEEDS_REASON = {(S.NEW, S.CLOSED), (S.TRIAGED, S.CLOSED), (S.CLOSED, S.TRIAGED),
                (S.RESOLVED, S.TRIAGED)}
EARLY_CLOSE = {(S.NEW, S.CLOSED), (S.TRIAGED, S.CLOSED)}


def _ask(source, target, role=Role.LIAISON, reason="because", close_reason=""):
    if (source, target) in EARLY_CLOSE and not close_reason:
        close_reason = Case.CloseReason.DUPLICATE
    return check_transition(
        source=source, target=target, role=role, reason=reason, close_reason=close_reason
    )


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_every_pair_of_statuses_is_allowed_exactly_when_the_table_says(source, target):
    if (source, target) in ALLOWED:
        _ask(source, target)
    else:
        with pytest.raises(CaseError) as caught:
            _ask(source, target)
        assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, None])
def test_roles_without_case_work_cannot_move_cases(source, target, role):
    with pytest.raises(CaseError) as caught:
        _ask(source, target, role=role)
    assert caught.value.code == ErrorCode.ROLE_NOT_PERMITTED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
@pytest.mark.parametrize("role", [Role.LIAISON, Role.LEGAL])
def test_reason_is_required_exactly_where_the_workflow_says(source, target, role):
    if (source, target) in NEEDS_REASON:
        with pytest.raises(CaseError) as caught:
            _ask(source, target, role=role, reason="  ")
        assert caught.value.code == ErrorCode.REASON_REQUIRED
    else:
        _ask(source, target, role=role, reason="")


@pytest.mark.parametrize("close_reason", ["", "resolved", "whatever"])
def test_closing_early_needs_one_of_the_listed_close_reasons(close_reason):
    with pytest.raises(CaseError) as caught:
        check_transition(source=S.NEW, target=S.CLOSED, role=Role.LEGAL, reason="spam",
                         close_reason=close_reason)
    assert caught.value.code == ErrorCode.INVALID_CLOSE_REASON


def test_closing_a_resolved_case_records_resolved_as_the_close_reason():
    assert _ask(S.RESOLVED, S.CLOSED, reason="") == Case.CloseReason.RESOLVED


def test_allowed_targets_follow_the_table_in_workflow_order():
    assert allowed_targets(S.NEW, Role.LIAISON) == [S.TRIAGED, S.CLOSED]
    assert allowed_targets(S.REFERRED, Role.LEGAL) == [S.INVESTIGATING, S.RESOLVED]
    assert allowed_targets(S.NEW, Role.ADMINISTRATOR) == []


def _merge(source, role=Role.LIAISON, reason="Same stop",
           close_reason=Case.CloseReason.DUPLICATE):
    return check_transition(source=source, target=S.CLOSED, role=role, reason=reason,
                            close_reason=close_reason, merge=True)


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("role", [Role.LIAISON, Role.LEGAL])
def test_a_merge_closes_a_duplicate_from_any_status_and_only_as_a_duplicate(source, role):
    assert _merge(source, role=role) == Case.CloseReason.DUPLICATE
    assert _merge(source, role=role, close_reason="") == Case.CloseReason.DUPLICATE
    with pytest.raises(CaseError) as caught:
        _merge(source, role=role, close_reason=Case.CloseReason.SPAM)
    assert caught.value.code == ErrorCode.INVALID_CLOSE_REASON


@pytest.mark.parametrize("source", list(S))
def test_a_merge_needs_a_role_that_works_on_cases_and_a_reason(source):
    for role in (Role.ADMINISTRATOR, None):
        with pytest.raises(CaseError) as caught:
            _merge(source, role=role)
        assert caught.value.code == ErrorCode.ROLE_NOT_PERMITTED
    with pytest.raises(CaseError) as caught:
        _merge(source, reason=" ")
    assert caught.value.code == ErrorCode.REASON_REQUIRED


@pytest.mark.parametrize("target", [s for s in S if s != S.CLOSED])
def test_a_merge_moves_a_duplicate_nowhere_but_closed(target):
    with pytest.raises(CaseError) as caught:
        check_transition(source=S.NEW, target=target, role=Role.LEGAL, reason="Same stop",
                         close_reason="", merge=True)
    assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_a_person_still_cannot_close_a_case_under_way_which_only_a_merge_may():
    for source in (S.INVESTIGATING, S.REFERRED):
        assert (source, S.CLOSED) in MERGE_TRANSITIONS
        assert S.CLOSED not in allowed_targets(source, Role.LEGAL)
        with pytest.raises(CaseError) as caught:
            _ask(source, S.CLOSED, close_reason=Case.CloseReason.DUPLICATE)
        assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
