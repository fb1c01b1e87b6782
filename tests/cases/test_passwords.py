"""Staff change their password and reset a forgotten one by e-mail: other sessions end, every
change is recorded and announced, and a reset neither reveals accounts nor skips the second
factor."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accesslog.models import AccessKind, AccessLogEntry
from cases.models import StaffSession
from plumbing.outbox.models import OutboxMessage
from tests.conftest import confirmed_app_device, give_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "plum kettle orbit lantern"
CHANGE = "/staff/account/password/"
RESET = "/staff/password-reset/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reaches_queue(client: Client) -> bool:
    return client.get(reverse("cases:queue")).status_code == 200


def _change(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
        REMOTE_ADDR="203.0.113.9",
    )


def _ask_reset(client: Client, email: str, address: str = "198.51.100.20"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def _link_in(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/staff/reset/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


# --- Changing a password ---------------------------------------------------------------------


def test_the_change_page_is_styled_like_the_staff_pages(client, liaison):
    client.force_login(liaison)
    html = client.get(CHANGE).content.decode()
    assert 'id="staff-nav"' in html
    assert 'class="usa-input"' in html
    assert "At least 12 characters" in html


def test_changing_the_password_needs_the_old_one(client, liaison):
    client.force_login(liaison)
    response = _change(client, old="not my password at all")
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    liaison.refresh_from_db()
    assert liaison.check_password(PASSWORD)


def test_an_11_character_password_is_refused_with_a_clear_message(client, liaison):
    client.force_login(liaison)
    response = _change(client, new="kettleplums")
    html = response.content.decode()
    assert response.status_code == 400
    assert "This password is too short. It must contain at least 12 characters." in html
    liaison.refresh_from_db()
    assert liaison.check_password(PASSWORD)


def test_the_two_new_passwords_must_match(client, liaison):
    client.force_login(liaison)
    response = _change(client, again="plum kettle orbit lantern!")
    assert response.status_code == 400
    liaison.refresh_from_db()
    assert liaison.check_password(PASSWORD)


def test_a_change_ends_other_sessions_and_keeps_this_one_verified(
    liaison, django_capture_on_commit_callbacks
):
    here, elsewhere = _signed_in_client(liaison), _signed_in_client(liaison)
    elsewhere_key = elsewhere.session.session_key
    assert _reaches_queue(elsewhere)

    with django_capture_on_commit_callbacks(execute=True):
        response = _change(here)

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:account")
    liaison.refresh_from_db()
    assert liaison.check_password(NEW_PASSWORD)
    # This browser: still signed in and past its second factor, with a new session key.
    assert _reaches_queue(here)
    assert StaffSession.objects.filter(user=liaison, session_key=here.session.session_key).exists()
    # The other browser: its session is gone from the store, not only invalid.
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=elsewhere_key).exists()
    assert not StaffSession.objects.filter(session_key=elsewhere_key).exists()
    assert elsewhere.get(reverse("cases:queue")).status_code == 302
    assert StaffSession.objects.filter(user=liaison).count() == 1


def test_a_change_is_written_to_the_access_log_and_e_mailed(
    client, liaison, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(liaison)
    _signed_in_client(liaison)
    with django_capture_on_commit_callbacks(execute=True):
        _change(client)

    entry = AccessLogEntry.objects.get(kind=AccessKind.PASSWORD_CHANGED)
    assert entry.user == liaison
    assert entry.address == "203.0.113.9"
    assert AccessLogEntry.objects.filter(kind=AccessKind.SESSION_ENDED, user=liaison).count() == 1
    assert OutboxMessage.objects.filter(task__endswith="announce_password_change").exists()
    [mail] = mailoutbox
    assert mail.to == [liaison.email]
    assert "password" in mail.subject
    assert "203.0.113.9" in mail.body
    assert "If it was not you" in mail.body
    assert NEW_PASSWORD not in mail.body


def test_the_admins_password_change_sends_to_the_staff_page(client, liaison):
    client.force_login(liaison)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == CHANGE
    assert "/admin/login/" not in response["Location"]


# --- Asking for a reset ------------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_reset(client):
    html = client.get(reverse("cases:login")).content.decode()
    assert f'href="{RESET}"' in html
    assert "Forgot your password?" in html


def test_a_reset_answers_the_same_for_a_known_and_an_unknown_address(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for email in ("liaison@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            asked = _ask_reset(Client(), email)
        done = Client().get(asked["Location"])
        # Each page carries its own CSRF token; everything else must be the same.
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", done.content)
        answers.append((asked.status_code, asked["Location"], done.status_code, body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302
    assert b"Check your e-mail" in answers[0][3]
    # One outbox message each: the same writes whether or not the address belongs to anyone.
    assert OutboxMessage.objects.filter(task__endswith="send_password_reset_mails").count() == 2
    [mail] = mailoutbox
    assert mail.to == ["liaison@example.org"]


def test_the_reset_mail_is_short_and_says_nothing_about_cases(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(Client(), "LIAISON@example.org")
    [mail] = mailoutbox
    assert "/staff/reset/" in mail.body
    assert "case" not in mail.body.lower()
    assert len(mail.body) < 800


def test_an_inactive_account_gets_no_mail(liaison, mailoutbox, django_capture_on_commit_callbacks):
    liaison.is_active = False
    liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_reset(Client(), "liaison@example.org")
    assert response.status_code == 302
    assert mailoutbox == []


def test_an_account_without_a_usable_password_gets_no_mail(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    liaison.set_unusable_password()
    liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(Client(), "liaison@example.org")
    assert mailoutbox == []


def test_the_reset_is_limited_per_client_address(settings, liaison):
    settings.STAFF_PASSWORD_RESET_RATE = "3/hour"
    settings.STAFF_PASSWORD_RESET_EMAIL_RATE = "100/hour"
    for number in range(3):
        assert _ask_reset(Client(), f"someone{number}@example.org").status_code == 302
    refused = _ask_reset(Client(), "liaison@example.org")
    assert refused.status_code == 429
    assert "Too many" in refused.content.decode()
    # Another address is not held back.
    assert _ask_reset(Client(), "liaison@example.org", address="192.0.2.44").status_code == 302


def test_the_reset_is_limited_per_e_mail_address(
    settings, liaison, mailoutbox, django_capture_on_commit_callbacks
):
    settings.STAFF_PASSWORD_RESET_RATE = "100/hour"
    settings.STAFF_PASSWORD_RESET_EMAIL_RATE = "2/hour"
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(2):
            response = _ask_reset(Client(), "liaison@example.org", address=f"192.0.2.{number}")
            assert response.status_code == 302
        refused = _ask_reset(Client(), " Liaison@Example.org", address="192.0.2.99")
    assert refused.status_code == 429
    assert len(mailoutbox) == 2
    # An address nobody has is limited the same way: the limit says nothing about accounts.
    for number in range(2):
        _ask_reset(Client(), "nobody@example.org", address=f"192.0.2.{10 + number}")
    assert _ask_reset(Client(), "nobody@example.org", address="192.0.2.50").status_code == 429


def test_the_reset_pages_are_open_without_signing_in(client):
    assert client.get(RESET).status_code == 200
    assert client.get("/staff/password-reset/done/").status_code == 200
    assert client.get("/staff/reset/done/").status_code == 200


# --- Using the link ----------------------------------------------------------------------------


def _reset_with_link(client: Client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
        REMOTE_ADDR="198.51.100.20",
    )


def _mail_a_link(mailoutbox, capture) -> str:
    with capture(execute=True):
        _ask_reset(Client(), "liaison@example.org")
    return _link_in(mailoutbox[-1])


def test_a_reset_link_sets_the_password_and_works_once(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    link = _mail_a_link(mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset_with_link(Client(), link)
    assert response.status_code == 302
    assert response["Location"] == "/staff/reset/done/"
    liaison.refresh_from_db()
    assert liaison.check_password(NEW_PASSWORD)

    again = Client().get(link, follow=True)
    assert "This link does not work" in again.content.decode()
    assert "Choose a new password" not in again.content.decode()


def test_a_reset_link_expires(
    liaison, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, settings
):
    link = _mail_a_link(mailoutbox, django_capture_on_commit_callbacks)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)  # noqa: DTZ005
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    page = Client().get(link, follow=True)
    assert "This link does not work" in page.content.decode()


def test_a_reset_ends_every_session_and_is_recorded_and_announced(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    signed_in = _signed_in_client(liaison)
    link = _mail_a_link(mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        _reset_with_link(Client(), link)

    assert signed_in.get(reverse("cases:queue")).status_code == 302
    assert not StaffSession.objects.filter(user=liaison).exists()
    entry = AccessLogEntry.objects.get(kind=AccessKind.PASSWORD_RESET)
    assert entry.user == liaison
    assert AccessLogEntry.objects.filter(kind=AccessKind.SESSION_ENDED, user=liaison).count() == 1
    notice = mailoutbox[-1]
    assert "reset" in notice.subject
    assert "198.51.100.20" in notice.body


def test_after_a_reset_the_person_still_gives_a_second_factor(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    confirmed_app_device(liaison)
    link = _mail_a_link(mailoutbox, django_capture_on_commit_callbacks)
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _reset_with_link(browser, link)
    # The reset itself signed nobody in.
    assert "_auth_user_id" not in browser.session
    signed_in = browser.post(
        reverse("cases:login"), {"username": "liaison", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    queue = browser.get(reverse("cases:queue"))
    assert queue.status_code == 302
    assert queue["Location"].startswith(reverse("cases:verify"))
    give_code(browser, liaison)
    assert _reaches_queue(browser)


def test_a_reset_while_signed_in_as_that_account_signs_this_browser_out_too(
    liaison, mailoutbox, django_capture_on_commit_callbacks
):
    browser = _signed_in_client(liaison)
    link = _mail_a_link(mailoutbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset_with_link(browser, link)
    assert response.status_code == 302
    assert not _reaches_queue(browser)
    assert not StaffSession.objects.filter(user=liaison).exists()


def test_a_password_an_administrator_sets_ends_the_accounts_sessions_and_is_recorded_and_told(
    administrator, liaison, mailoutbox, django_capture_on_commit_callbacks
):
    liaison.email = "liaison@example.org"
    liaison.save(update_fields=["email"])
    theirs = _signed_in_client(liaison)
    assert _reaches_queue(theirs)
    admin = _signed_in_client(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/auth/user/{liaison.pk}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
            REMOTE_ADDR="192.0.2.44",
        )
    assert response.status_code == 302
    assert not _reaches_queue(theirs)
    assert not StaffSession.objects.filter(user=liaison).exists()
    assert admin.get("/admin/").status_code == 200
    [row] = AccessLogEntry.objects.filter(kind=AccessKind.PASSWORD_SET)
    assert (row.user, row.object_id, row.address) == (administrator, str(liaison.pk), "192.0.2.44")
    [notice] = [m for m in mailoutbox if m.to == ["liaison@example.org"]]
    assert "set by an administrator" in notice.subject
    assert "administrator" in notice.body and "192.0.2.44" in notice.body


def test_a_refused_password_in_the_admin_ends_nothing_and_records_nothing(administrator, liaison):
    theirs = _signed_in_client(liaison)
    admin = _signed_in_client(administrator)
    response = admin.post(
        f"/admin/auth/user/{liaison.pk}/password/",
        {"password1": "short", "password2": "short", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert _reaches_queue(theirs)
    assert not AccessLogEntry.objects.filter(kind=AccessKind.PASSWORD_SET).exists()
