"""Staff sign-in: repeated wrong passwords lock the user name out from that address for a while,
and a session ends after a stretch of inactivity (its expiry pushed back at most once a
SESSION_REFRESH_INTERVAL)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plumbing.sessions import REFRESHED_AT
from tests.conftest import give_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        reverse("cases:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _signed_in(client) -> bool:
    """Whether the password step signed `client` in: it then reaches the queue once it gives its
    second-factor code."""
    user_id = client.session.get("_auth_user_id")
    if user_id is not None:
        give_code(client, get_user_model().objects.get(pk=user_id))
    return client.get(reverse("cases:queue")).status_code == 200


def _fail(client, times: int, username: str = "liaison", address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = _sign_in(client, username, "wrong password", address)
        assert response.status_code in (200, 429)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, liaison):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, 4)
    assert AccessAttempt.objects.get(username="liaison").failures_since_start == 4
    _fail(client, 1)
    response = _sign_in(client, "liaison", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_the_lockout_page_explains_the_wait_without_a_stack_trace(client, liaison):
    _fail(client, 5)
    response = _sign_in(client, "liaison", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in paused" in html
    assert "wrong 5 times in a row" in html
    assert "Try again in 60 minutes" in html
    assert 'href="/staff/login/"' in html
    assert PASSWORD not in html


def test_the_lockout_counts_the_user_name_and_address_together(client, liaison, legal):
    _fail(client, 5)
    # The same person from another address, and a colleague from the same one, still get in.
    assert _sign_in(client, "liaison", PASSWORD, address="198.51.100.7").status_code == 302
    client.post(reverse("cases:logout"))
    assert _sign_in(client, "legal", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off_time(client, liaison):
    _fail(client, 5)
    assert _sign_in(client, "liaison", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert _sign_in(client, "liaison", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_a_successful_sign_in_resets_the_count(client, liaison):
    _fail(client, 4)
    assert _sign_in(client, "liaison", PASSWORD).status_code == 302
    client.post(reverse("cases:logout"))
    _fail(client, 4)
    assert _sign_in(client, "liaison", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_out_the_same_way(client, legal):
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "legal", "password": "nope"})
    response = client.post(reverse("admin:login"), {"username": "legal", "password": PASSWORD})
    assert response.status_code == 429
    assert not client.session.get("_auth_user_id")


def test_an_idle_session_is_signed_out(client, liaison):
    assert _sign_in(client, "liaison", PASSWORD).status_code == 302
    assert _signed_in(client)
    # As if the last request had been longer ago than the session age.
    session = Session.objects.get(session_key=client.session.session_key)
    idle_since = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    session.expire_date = idle_since + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    session.save()
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:login"))


def test_a_request_after_the_refresh_interval_pushes_the_expiry_back(client, liaison):
    client.force_login(liaison)
    # As if the session had last been saved longer ago than the refresh interval.
    session = client.session
    session[REFRESHED_AT] = int(timezone.now().timestamp()) - settings.SESSION_REFRESH_INTERVAL - 1
    session.save()
    key = session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # The cookie it sets again still ends when the browser closes.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]


def test_a_request_within_the_refresh_interval_writes_no_session(client, liaison):
    client.force_login(liaison)
    assert client.get(reverse("cases:queue")).status_code == 200  # the last save: just now
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]
    assert writes == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == expires
