"""Passkeys in headless Chromium at 1366x768, with Chromium's own virtual authenticator (the
DevTools WebAuthn domain) standing in for a phone or a security key: added on the
sign-in-methods page, then used after the password instead of a code; and offered during a
first sign-in, between the authenticator app and the recovery codes. axe-core on every page
that offers a passkey.

WebAuthn needs a secure context: the live server is http://localhost:PORT, and the RP ID is
localhost (the development default), with the live server's origin allowed for these tests.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accesslog.models import AccessKind, AccessLogEntry
from cases.roles import Role
from tests.browser.conftest import add_virtual_authenticator, expect, sign_in_staff
from tests.conftest import current_code
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("passkeys_on_the_live_server")]

PASSWORD = "a long staff password 42"
DESKTOP = {"width": 1366, "height": 768}


def _liaison():
    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    return user


def _password(page) -> None:
    page.locator("#id_username").fill("liaison")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-button").click()


def test_a_passkey_added_on_the_sign_in_methods_page_replaces_the_code(open_page, axe, browser_log):
    user = _liaison()
    # The axe check reads the page with scripts injected: allowed for that check only.
    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size(DESKTOP)
    add_virtual_authenticator(page)
    sign_in_staff(page, "liaison", PASSWORD)
    expect(page.locator("h1")).to_have_text("Case queue")

    page.goto("/staff/account/sign-in-methods/")
    expect(page.locator("h1")).to_have_text("Sign-in methods")
    expect(page.locator("#no-passkeys")).to_be_visible()
    axe(page, "the sign-in-methods page")
    page.locator("#passkey-register-button").click()
    # The page comes back listing the new passkey.
    expect(page.locator("#passkeys-table")).to_contain_text("Passkey 1")
    expect(page.locator(".usa-alert--success")).to_contain_text("Added “Passkey 1”")
    axe(page, "the sign-in-methods page with a passkey")
    credential = WebAuthnCredential.objects.get(user=user)
    assert AccessLogEntry.objects.filter(
        kind=AccessKind.SECOND_FACTOR_ADDED, object_id=str(credential.pk)
    ).exists()

    page.locator("#logout-button").click()
    page.goto("/staff/cases/?status=new")
    _password(page)
    expect(page).to_have_url(re.compile(r"/staff/verify/\?next="))
    button = page.locator("#passkey-verification-button")
    expect(button).to_have_text("Use a passkey or security key")
    expect(page.locator("#verify-form")).to_be_visible()
    axe(page, "the code page with a passkey")
    button.click()
    expect(page.locator("h1")).to_have_text("Case queue")
    expect(page).to_have_url(re.compile(r"/staff/cases/\?status=new$"))
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert not browser_log.page_errors
    assert not browser_log.foreign_requests(page.url)


def test_a_first_sign_in_adds_the_app_then_a_passkey_then_shows_the_recovery_codes(
    open_page, browser_log
):
    user = _liaison()
    # Under the real Content Security Policy: the passkey scripts are our own files.
    page = open_page("/staff/cases/")
    page.set_viewport_size(DESKTOP)
    add_virtual_authenticator(page)
    _password(page)
    expect(page.locator("h1")).to_have_text("Add an authenticator app")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.locator("#id_code").fill(current_code(device))
    page.locator("#enrol-button").click()

    expect(page.locator("h1")).to_have_text("Add a passkey or security key")
    expect(page.locator("#enrol-passkey-skip")).to_have_text("Not now")
    page.locator("#passkey-register-button").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert WebAuthnCredential.objects.filter(user=user).count() == 1
    page.locator("#recovery-codes-continue").click()
    expect(page.locator("h1")).to_have_text("Case queue")

    # The passkey just added signs in next time.
    page.locator("#logout-button").click()
    page.goto("/staff/cases/")
    _password(page)
    page.locator("#passkey-verification-button").click()
    expect(page.locator("h1")).to_have_text("Case queue")
    assert not browser_log.page_errors
    assert not [e for e in browser_log.console_errors if "Content Security Policy" in e]
    assert not browser_log.foreign_requests(page.url)
