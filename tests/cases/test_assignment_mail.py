"""The assignee hears about a case assigned to them by e-mail, sent by a Celery task after the
assignment commits, and the message names the case without anything about the people in it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Case
from cases.services import assign_case
from cases.tasks import notify_assignee
from intake.services import submit_report
from tests.factories import (
    ComplainantInputFactory,
    EncounterInputFactory,
    ReportSubmissionFactory,
    WitnessInputFactory,
)

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Rosalind Featherstonehaugh", "rosalind.f@example.net", "+1 612 555 0142"
WITNESS = "Evander Quackenbush"
NARRATIVE = "Three grey SUVs pinned my sedan against the curb outside the bakery on Penn."


def _case():
    submission = ReportSubmissionFactory(
        narrative=NARRATIVE,
        consent_to_share_with_liaison=True,
        complainants=(
            ComplainantInputFactory(
                name=NAME, email=EMAIL, phone=PHONE, occupation="Off-duty police officer"
            ),
        ),
        witnesses=(WitnessInputFactory(name=WITNESS),),
        encounter=EncounterInputFactory(address="4127 Penn Ave N", plates="XYZ987"),
    )
    return submit_report(submission=submission, channel="web").report.case


def test_the_assignee_gets_an_email_naming_the_case_and_nothing_personal(
    liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://rightsdesk.example.org"
    case = _case()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [other_liaison.email]
    assert message.subject == f"Case {case.reference} is assigned to you"
    assert f"https://rightsdesk.example.org/staff/cases/{case.reference}/" in message.body
    assert "liaison assigned case" in message.body
    text = message.subject + message.body
    for secret in (NAME, EMAIL, PHONE, WITNESS, NARRATIVE, "4127 Penn", "XYZ987",
                   "Off-duty", "Penn", case.title):
        assert secret not in text


def test_nothing_is_sent_before_the_assignment_commits(
    liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks
):
    case = _case()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
        assert mailoutbox == []
    assert len(callbacks) == 1
    assert mailoutbox == []


@pytest.mark.parametrize("change", ["self", "same_again", "unassign"])
def test_no_email_when_nobody_new_gets_the_case(
    change, liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks
):
    case = _case()
    if change == "same_again":
        assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "self":
            assign_case(case=case, assignee=liaison, actor=liaison, expected_version=None)
        elif change == "same_again":
            assign_case(
                case=case,
                assignee=other_liaison,
                actor=liaison,
                reason="Still yours",
                expected_version=None,
            )
        else:
            assign_case(case=case, assignee=None, actor=liaison, expected_version=None)
    assert mailoutbox == []


def test_no_email_to_an_assignee_without_an_address(
    liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks
):
    other_liaison.email = ""
    other_liaison.save()
    case = _case()
    with django_capture_on_commit_callbacks(execute=True):
        assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    assert mailoutbox == []


def test_the_task_sends_nothing_once_the_case_went_to_someone_else(
    liaison, other_liaison, legal, mailoutbox
):
    case = _case()
    assign_case(case=case, assignee=legal, actor=liaison, expected_version=None)
    notify_assignee(case.pk, other_liaison.pk, liaison.pk)
    assert mailoutbox == []
    notify_assignee(case.pk, legal.pk, liaison.pk)
    assert [message.to for message in mailoutbox] == [[legal.email]]


def test_a_refused_bulk_assignment_sends_nothing(
    client, liaison, other_liaison, mailoutbox, django_capture_on_commit_callbacks
):
    fresh, merged_away, survivor = _case(), _case(), _case()
    from cases.services import merge_cases

    merge_cases(
        survivor=survivor,
        duplicates=[merged_away],
        actor=liaison,
        reason="Same",
        expected_version=None,
    )
    client.force_login(liaison)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("cases:bulk"),
            {
                "bulk-cases": [
                    f"{case.reference}:{Case.objects.get(pk=case.pk).version}"
                    for case in (fresh, merged_away)
                ],
                "bulk-action": "assign",
                "bulk-assignee": str(other_liaison.pk),
            },
        )
    fresh.refresh_from_db()
    assert fresh.assignee is None
    assert mailoutbox == []


def test_assigning_through_the_page_and_the_api_sends_the_email(
    client, liaison, other_liaison, legal, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = _case(), _case()
    client.force_login(liaison)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:assign", kwargs={"reference": first.reference}),
            {"assign-assignee": str(other_liaison.pk), "assign-version": str(first.version)},
        )
    assert response.status_code == 302
    api = APIClient()
    api.force_login(liaison)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/cases/{second.reference}/assign/",
            {"assignee": legal.pk},
            format="json",
            HTTP_IF_MATCH=f'"{second.version}"',
        )
    assert response.status_code == 200
    assert [(m.to, first.reference in m.subject or second.reference in m.subject)
            for m in mailoutbox] == [([other_liaison.email], True), ([legal.email], True)]
