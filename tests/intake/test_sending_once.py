"""One report per send: the form's draft and an API client's Idempotency-Key are keys that a
second send of the same report cannot get past, and a resend gets the first receipt back."""

import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from intake import drafts
from intake.models import Report, SentSubmission
from intake.services import forget_sent_submissions
from plumbing.outbox.models import OutboxMessage
from tests.intake.test_api import REPORTS, full_report
from tests.intake.test_web_form import receipt_values, url, walk_to_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_rates(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


def test_the_draft_has_its_key_before_the_review_page_is_shown(client):
    walk_to_review(client, photo=False)
    draft = drafts.opened_draft(client.session)["id"]
    page = client.get(url("review"))
    assert f'name="draft" value="{draft}"' in page.content.decode()
    assert drafts.opened_draft(client.session)["id"] == draft


def test_sending_the_review_again_after_it_was_sent_shows_the_same_receipt(client):
    walk_to_review(client)
    draft = drafts.opened_draft(client.session)["id"]
    first = client.post(url("review"), {"draft": draft})
    again = client.post(url("review"), {"draft": draft})
    assert first.status_code == again.status_code == 200
    assert receipt_values(first) == receipt_values(again)
    assert Report.objects.count() == 1
    assert Report.objects.get().evidence.count() == 1


def test_a_review_page_of_an_older_draft_asks_to_check_the_answers_again(client):
    walk_to_review(client, photo=False)
    response = client.post(url("review"), {"draft": "a-draft-of-another-tab"})
    assert response.status_code == 302
    assert response.url == url("review")
    assert Report.objects.count() == 0


def test_the_api_answers_a_repeated_idempotency_key_with_the_first_receipt():
    key = str(uuid.uuid4())
    body = full_report()
    first = APIClient().post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = APIClient().post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_the_api_refuses_a_key_sent_before_with_a_different_report():
    key = str(uuid.uuid4())
    APIClient().post(REPORTS, full_report(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = full_report(narrative="A different account of a different morning.")
    response = APIClient().post(REPORTS, other, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Report.objects.count() == 1


@pytest.mark.parametrize("key", ["short", "a key with spaces in it, long enough", "x" * 256])
def test_the_api_refuses_a_key_that_could_be_guessed_or_is_malformed(key):
    response = APIClient().post(REPORTS, full_report(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert Report.objects.count() == 0


def test_reports_without_a_key_are_each_filed():
    for _ in range(2):
        assert APIClient().post(REPORTS, full_report(), format="json").status_code == 201
    assert Report.objects.count() == 2


def test_the_sealed_secret_is_not_readable_from_the_database_alone():
    key = str(uuid.uuid4())
    response = APIClient().post(REPORTS, full_report(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    secret = response.json()["secret"]
    row = SentSubmission.objects.get()
    assert key not in row.key_hash
    assert secret not in row.sealed_secret
    assert secret.replace("-", "") not in row.sealed_secret


def test_keys_are_forgotten_after_a_day_and_a_later_send_is_a_new_report():
    key = str(uuid.uuid4())
    APIClient().post(REPORTS, full_report(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert forget_sent_submissions(older_than_hours=0) == 1
    again = APIClient().post(REPORTS, full_report(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Report.objects.count() == 2


def test_the_delivery_tables_hold_nothing_that_names_the_person(django_capture_on_commit_callbacks):
    # Sending once and the outbox keep rows of their own beside the report, outside the reader
    # projection (nothing shows them): they must hold hashes, sealed values and ids only.
    canaries = ["Quillon Vasquez-Ardent", "quillon.canary@example.org", "+1 612 555 0147"]
    body = full_report(
        narrative=f"{canaries[0]} was stopped outside the library.",
        complainants=[
            {
                "role": "affected",
                "name": canaries[0],
                "email": canaries[1],
                "phone": canaries[2],
                "safe_to_contact": True,
            }
        ],
    )
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201
    secret = response.json()["secret"]
    rows = [
        *SentSubmission.objects.values(),
        *OutboxMessage.objects.values(),
    ]
    assert len(rows) == 2  # the key, and the acknowledgement waiting or published
    stored = repr(rows).casefold()
    for value in [*canaries, "quillon", secret, key]:
        assert value.casefold() not in stored, value
