"""Contact only when it is safe: the acknowledgement goes out only when the report's consent to
contact and the person's "safe to contact" are both given, on the web form and the API alike;
a queued acknowledgement checks again when it runs; a broker that refuses costs nobody their
receipt."""

from unittest import mock

import kombu.exceptions
import pytest
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from intake.contact import (
    contactable_complainants,
    may_contact,
)
from intake.models import Complainant, Report
from intake.services import submit_report
from intake.tasks import send_acknowledgement
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_pending
from tests.factories import ComplainantInputFactory, ReportSubmissionFactory
from tests.intake.test_api import REPORTS, full_report
from tests.intake.test_web_form import ANSWERS, receipt_values, url, walk_to_review

pytestmark = pytest.mark.django_db

# consent to contact, safe to contact, acknowledged
COMBINATIONS = [
    pytest.param(True, True, True, id="consent-and-safe"),
    pytest.param(True, False, False, id="consent-not-safe"),
    pytest.param(False, True, False, id="safe-no-consent"),
    pytest.param(False, False, False, id="neither"),
]


@pytest.fixture(autouse=True)
def _fresh_limits_and_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


def acknowledgement_queued(report: Report) -> bool:
    """Whether the report's acknowledgement was written to the outbox."""
    return any(
        message.args == [report.pk]
        for message in OutboxMessage.objects.filter(task=send_acknowledgement.name)
    )


def contact_answers(*, consent: bool, safe: bool) -> dict:
    answers = {"email": "ana@example.org", "phone": "+1 612 555 0100"}
    if consent:
        answers["consent_to_contact"] = "on"
    if safe:
        answers["safe_to_contact"] = "on"
    return {**ANSWERS, "contact": answers}


def filed_report(*, consent: bool = True, safe: bool = True, **person) -> Report:
    submission = ReportSubmissionFactory(
        consent_to_contact=consent,
        complainants=(ComplainantInputFactory(safe_to_contact=safe, **person),),
    )
    return submit_report(submission=submission, channel=Report.Channel.WEB).report


# --- The rule ------------------------------------------------------------------------------------

RULE = [
    # consent to contact, safe to contact, e-mail, anonymous, may contact
    (True, True, "ana@example.org", False, True),
    (True, False, "ana@example.org", False, False),
    (False, True, "ana@example.org", False, False),
    (False, False, "ana@example.org", False, False),
    (True, True, "", False, False),
    (True, True, "ana@example.org", True, False),
]


@pytest.mark.parametrize(("consent", "safe", "email", "anonymous", "expected"), RULE)
def test_may_contact_only_with_consent_safety_and_an_address(
    consent, safe, email, anonymous, expected
):
    person = Complainant(
        report=Report(consent_to_contact=consent),
        safe_to_contact=safe,
        email=email,
        is_anonymous=anonymous,
    )
    assert may_contact(person) is expected


def test_contactable_complainants_leaves_out_whoever_is_not_safe_to_contact():
    submission = ReportSubmissionFactory(
        complainants=(
            ComplainantInputFactory(email="safe@example.org", safe_to_contact=True),
            ComplainantInputFactory(
                role="on_behalf", email="unsafe@example.org", safe_to_contact=False
            ),
        )
    )
    report = submit_report(submission=submission, channel=Report.Channel.API).report
    assert [person.email for person in contactable_complainants(report)] == ["safe@example.org"]


def test_contactable_complainants_of_a_report_without_consent_is_empty_without_a_query(
    django_assert_num_queries,
):
    report = filed_report(consent=False)
    with django_assert_num_queries(0):
        assert contactable_complainants(report) == []


# --- Both public channels ------------------------------------------------------------------------


@pytest.mark.parametrize(("consent", "safe", "acknowledged"), COMBINATIONS)
def test_web_form_acknowledges_only_when_consent_and_safe_to_contact(
    client, django_capture_on_commit_callbacks, consent, safe, acknowledged
):
    walk_to_review(client, contact_answers(consent=consent, safe=safe), photo=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review"), {})
    assert response.status_code == 200
    code, secret = receipt_values(response)
    report = Report.objects.get(tracking_code=code)
    person = report.complainants.get()
    assert (report.consent_to_contact, person.safe_to_contact) == (consent, safe)

    assert acknowledgement_queued(report) is acknowledged
    if acknowledged:
        assert [message.to for message in mail.outbox] == [["ana@example.org"]]
        assert code in mail.outbox[0].body
        assert secret not in mail.outbox[0].body
    else:
        assert mail.outbox == []


@pytest.mark.parametrize(("consent", "safe", "acknowledged"), COMBINATIONS)
def test_api_acknowledges_only_when_consent_and_safe_to_contact(
    django_capture_on_commit_callbacks, consent, safe, acknowledged
):
    body = full_report(consent_to_contact=consent, complainants__0__safe_to_contact=safe)
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(REPORTS, body, format="json")
    assert response.status_code == 201
    code = response.json()["tracking_code"]
    report = Report.objects.get(tracking_code=code)
    assert (report.consent_to_contact, report.complainants.get().safe_to_contact) == (
        consent,
        safe,
    )

    assert acknowledgement_queued(report) is acknowledged
    if acknowledged:
        assert [message.to for message in mail.outbox] == [["ana@example.org"]]
        assert code in mail.outbox[0].body
    else:
        assert mail.outbox == []


def test_api_acknowledges_each_safe_person_in_a_message_of_their_own(
    django_capture_on_commit_callbacks,
):
    affected = {"role": "affected", "email": "ana@example.org", "safe_to_contact": True}
    helper = {"role": "on_behalf", "email": "bo@example.org", "safe_to_contact": True}
    unsafe = {"role": "witness", "email": "cy@example.org", "safe_to_contact": False}
    body = full_report(complainants=[affected, helper, unsafe])
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(REPORTS, body, format="json")
    assert response.status_code == 201
    assert sorted(message.to for message in mail.outbox) == [
        ["ana@example.org"],
        ["bo@example.org"],
    ]


# --- At send time --------------------------------------------------------------------------------


def test_acknowledgement_task_sends_nothing_for_a_person_not_safe_to_contact():
    report = filed_report(consent=True, safe=False)
    send_acknowledgement.delay(report.pk)
    assert mail.outbox == []


def test_queued_acknowledgement_sends_nothing_once_the_person_is_no_longer_safe_to_contact(
    django_capture_on_commit_callbacks,
):
    submission = ReportSubmissionFactory(
        consent_to_contact=True, complainants=(ComplainantInputFactory(safe_to_contact=True),)
    )
    with django_capture_on_commit_callbacks() as queued:
        report = submit_report(submission=submission, channel=Report.Channel.WEB).report
    # Between queueing and sending, the person tells us it is no longer safe.
    Complainant.objects.filter(report=report).update(safe_to_contact=False)
    for callback in queued:
        callback()
    assert acknowledgement_queued(report)
    assert mail.outbox == []


def test_an_acknowledgement_delivered_twice_is_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = filed_report(consent=True, safe=True)
    assert len(mail.outbox) == 1
    send_acknowledgement.delay(report.pk)
    send_acknowledgement.delay(report.pk)
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.acknowledged_at is not None


def test_acknowledgement_task_for_a_missing_report_does_nothing():
    send_acknowledgement.delay(987654)
    assert mail.outbox == []


# --- A broker that refuses -----------------------------------------------------------------------


def test_web_form_shows_the_receipt_when_the_broker_refuses_the_acknowledgement(
    client, django_capture_on_commit_callbacks, caplog
):
    walk_to_review(client, contact_answers(consent=True, safe=True), photo=False)
    down = kombu.exceptions.OperationalError("connection refused")
    with (
        mock.patch.object(send_acknowledgement, "apply_async", side_effect=down) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url("review"), {})
    assert response.status_code == 200
    code, _secret = receipt_values(response)
    report = Report.objects.get(tracking_code=code)
    assert publish.called
    assert mail.outbox == []
    assert "could not be published" in caplog.text
    # The message waits in the outbox, and the relay delivers it once the broker is back.
    message = OutboxMessage.objects.get(task=send_acknowledgement.name)
    assert (message.published_at, message.attempts, message.args) == (None, 1, [report.pk])
    OutboxMessage.objects.update(available_at=message.created_at)
    assert relay_pending() == 1
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
