"""The queue's bulk actions as a service (cases/bulk_changes.py): the same checks and history as
one case at a time, all the cases or none. The page's own tests are in test_staff_pages.py and
test_stale_changes.py."""

import pytest

from cases.bulk_changes import BulkAction, change_cases_in_bulk
from cases.exceptions import CaseError, ErrorCode, StaleCaseError
from cases.models import Case
from cases.services import transition_case
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case() -> Case:
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _seen(*cases: Case) -> dict[int, int]:
    return {case.pk: Case.objects.get(pk=case.pk).version for case in cases}


def test_every_case_moves_with_a_history_row_of_the_actor_and_reason(liaison):
    cases = [_case(), _case()]
    changed = change_cases_in_bulk(
        cases=cases, expected_versions=_seen(*cases), action=BulkAction.TRANSITION,
        actor=liaison, reason="Read them all", to=Case.Status.TRIAGED,
    )
    assert [case.status for case in changed] == ["triaged", "triaged"]
    for case in cases:
        latest = Case.objects.get(pk=case.pk).history.latest()
        assert (latest.status, latest.history_user, latest.history_change_reason) == (
            "triaged", liaison, "Read them all"
        )


def test_a_refused_case_changes_none_and_is_named_first(liaison, other_liaison):
    fresh, triaged = _case(), _case()
    transition_case(case=triaged, to="triaged", actor=liaison, expected_version=None)
    with pytest.raises(CaseError) as caught:
        change_cases_in_bulk(
            cases=[fresh, triaged], expected_versions=_seen(fresh, triaged),
            action=BulkAction.TRANSITION, actor=liaison, to=Case.Status.TRIAGED,
        )
    assert caught.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert caught.value.message.startswith(f"{triaged.reference}: A case cannot move")
    assert Case.objects.get(pk=fresh.pk).status == "new"


def test_a_case_changed_since_it_was_seen_refuses_the_whole_action(liaison, other_liaison):
    first, second = _case(), _case()
    seen = _seen(first, second)
    transition_case(case=second, to="triaged", actor=other_liaison, expected_version=None)
    with pytest.raises(StaleCaseError) as caught:
        change_cases_in_bulk(
            cases=[first, second], expected_versions=seen, action=BulkAction.ASSIGN,
            actor=liaison, assignee=liaison,
        )
    assert second.reference in caught.value.message
    assert not Case.objects.filter(assignee__isnull=False).exists()


def test_an_unknown_action_is_refused_before_anything_is_locked(liaison):
    case = _case()
    with pytest.raises(ValueError, match="Not a bulk action"):
        change_cases_in_bulk(
            cases=[case], expected_versions=_seen(case), action="delete", actor=liaison
        )
