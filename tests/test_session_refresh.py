"""A session's expiry slides with use without a write on every request (plumbing/sessions.py):
the refresh never starts a session for a visitor who has none, never brings back one that was
signed out, and leaves a session whose data changed to be saved at once, as always."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from plumbing.sessions import REFRESHED_AT

pytestmark = pytest.mark.django_db


def test_a_visit_without_a_session_creates_no_session_row(client):
    for path in ("/", "/api/v1/agencies/"):
        response = client.get(path)
        assert response.status_code in (200, 302)
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_the_cookie_of_an_expired_session_starts_no_new_one(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "expired0session0key0that0is0gone"
    response = client.get("/")
    assert response.status_code == 302
    assert not Session.objects.exists()
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""  # the stale one deleted


def test_signing_out_leaves_no_session_behind(client, liaison):
    client.force_login(liaison)
    assert client.get(reverse("cases:queue")).status_code == 200
    response = client.post(reverse("cases:logout"))
    assert response.status_code == 302
    assert not Session.objects.exists()
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""


def test_a_session_whose_data_changed_is_saved_within_the_interval(client, liaison):
    client.force_login(liaison)
    assert client.get(reverse("cases:queue")).status_code == 200  # the last save: just now
    key = client.session.session_key
    stamped = Session.objects.get(session_key=key).get_decoded()[REFRESHED_AT]
    response = client.post(reverse("set_language"), {"language": "es", "next": "/staff/cases/"})
    assert response.status_code == 302
    saved = Session.objects.get(session_key=key).get_decoded()
    assert saved["language"] == "es"
    assert saved[REFRESHED_AT] >= stamped
