"""The API queues the same acknowledgement e-mail as the web form, after commit."""

from unittest import mock

import kombu.exceptions
import pytest
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from intake.models import Report
from intake.tasks import send_acknowledgement
from plumbing.outbox.models import OutboxMessage
from tests.intake.test_api import REPORTS, full_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_rates(settings):
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


def test_api_report_with_consent_and_email_is_acknowledged_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post(REPORTS, full_report(), format="json")
    assert response.status_code == 201
    assert len(callbacks) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert response.json()["tracking_code"] in mail.outbox[0].body
    assert response.json()["secret"] not in mail.outbox[0].body


def test_api_report_without_consent_to_contact_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post(REPORTS, full_report(consent_to_contact=False), format="json")
    assert response.status_code == 201
    assert callbacks == []
    assert mail.outbox == []


def test_api_report_is_answered_when_the_broker_is_down(django_capture_on_commit_callbacks):
    down = kombu.exceptions.OperationalError("connection refused")
    with (
        mock.patch.object(send_acknowledgement, "apply_async", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = APIClient().post(REPORTS, full_report(), format="json")
    assert response.status_code == 201
    assert Report.objects.filter(tracking_code=response.json()["tracking_code"]).exists()
    assert mail.outbox == []
    assert OutboxMessage.objects.get().published_at is None
