"""A staff member's first sign-in in headless Chromium at 1366x768: the password, then adding
an authenticator app (the QR code, the secret as text, a code to confirm), a passkey offered
and declined, the recovery codes shown once; signing in again asks for the app's code.
axe-core on the enrol, passkey-offer, recovery-code and code pages."""

import re

import pytest
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import two_factor
from cases.roles import Role
from tests.browser.conftest import expect
from tests.conftest import current_code
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
DESKTOP = {"width": 1366, "height": 768}


def _liaison():
    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    return user


def _password(page):
    page.locator("#id_username").fill("liaison")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-button").click()


def test_a_first_sign_in_enrols_an_app_then_the_next_asks_for_its_code(open_page, axe):
    user = _liaison()
    # The axe check reads the page with scripts injected: allowed for that check only.
    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size(DESKTOP)
    _password(page)

    expect(page).to_have_url(re.compile(r"/staff/enrol/\?next="))
    expect(page.locator("h1")).to_have_text("Add an authenticator app")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    expect(page.locator("#enrol-secret")).to_have_text(two_factor.secret_text(device))
    axe(page, "the enrol page")

    page.locator("#id_code").fill("000000")
    page.locator("#enrol-button").click()
    expect(page.locator("#code-error")).to_be_visible()
    axe(page, "the enrol page with a wrong code")
    # django-otp refuses every code for a second after a wrong one; as if it had passed.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)

    page.locator("#id_code").fill(current_code(device))
    page.locator("#enrol-button").click()
    expect(page.locator("h1")).to_have_text("Add a passkey or security key")
    axe(page, "the passkey offer")
    page.locator("#enrol-passkey-skip").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    axe(page, "the recovery codes")
    page.locator("#recovery-codes-continue").click()
    expect(page.locator("h1")).to_have_text("Case queue")

    page.locator("#logout-button").click()
    page.goto("/staff/cases/")
    _password(page)
    expect(page).to_have_url(re.compile(r"/staff/verify/\?next="))
    expect(page.locator("h1")).to_have_text("Your sign-in code")
    axe(page, "the code page")
    page.locator("#id_code").fill(current_code(device))
    page.locator("#verify-button").click()
    expect(page.locator("h1")).to_have_text("Case queue")


def test_the_qr_code_shows_under_the_content_security_policy(open_page):
    _liaison()
    page = open_page("/staff/enrol/")
    page.set_viewport_size(DESKTOP)
    _password(page)
    qr = page.locator("#enrol-qr-code")
    expect(qr).to_be_visible()
    # "load" waits for the page's images.
    page.wait_for_load_state("load")
    assert qr.evaluate("image => image.naturalWidth") > 0
