"""A police liaison changes their password from My account and signs in again with the new
one; axe-core on the account, password and sessions pages, at a laptop's 1366x768."""

import re

import pytest
from django.contrib.auth.models import Group

from cases.roles import Role
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
NEW_PASSWORD = "plum kettle orbit lantern"


def test_a_liaison_changes_their_password_and_signs_in_with_the_new_one(open_page, axe):
    user = UserFactory(username="liaison", password=PASSWORD, first_name="Lee", last_name="Ray")
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))

    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_staff(page, "liaison", PASSWORD)
    page.locator("#nav-account").click()
    expect(page.locator("h1")).to_have_text("My account")
    expect(page.locator("#account-name")).to_have_text("Lee Ray")
    expect(page.locator("#account-role")).to_have_text(Role.LIAISON.value)
    expect(page.locator("#link-api-tokens")).to_be_visible()
    axe(page, "the account page")

    page.locator("#link-sessions").click()
    expect(page.locator("h1")).to_have_text("Your sessions")
    expect(page.locator("#this-browser")).to_be_visible()
    expect(page.locator("#no-other-sessions")).to_be_visible()
    axe(page, "the sessions page")

    page.locator("#back-to-account").click()
    page.locator("#link-password-change").click()
    expect(page.locator("h1")).to_have_text("Change password")
    axe(page, "the change-password page")

    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill("kettleplums")
    page.locator("#id_new_password2").fill("kettleplums")
    page.locator("#password-change-button").click()
    expect(page.locator("#error-summary")).to_contain_text("at least 12 characters")
    axe(page, "the change-password page with an error")

    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("#password-change-button").click()
    expect(page.locator("h1")).to_have_text("My account")
    expect(page.get_by_role("status").filter(has_text="password is changed")).to_be_visible()

    page.locator("#logout-button").click()
    expect(page.locator("h1")).to_have_text("Staff sign in")
    page.locator("#id_username").fill("liaison")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-button").click()
    expect(page.locator("#login-error")).to_be_visible()

    sign_in_staff(page, "liaison", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/staff/cases/$"))


def test_the_reset_pages_pass_axe(open_page, axe):
    page = open_page("/staff/login/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#forgot-password-link").click()
    expect(page.locator("h1")).to_have_text("Forgot your password?")
    axe(page, "the reset request page")
    page.locator("#password-reset-button").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, "the reset request page with an error")
    page.locator("#id_email").fill("nobody@example.org")
    page.locator("#password-reset-button").click()
    expect(page.locator("h1")).to_have_text("Check your e-mail")
    axe(page, "the reset sent page")
    page.goto("/staff/reset/MQ/not-a-token/")
    expect(page.locator("h1")).to_have_text("This link does not work")
    axe(page, "the page of a link that does not work")


def test_a_liaison_sets_a_new_password_from_a_reset_link(open_page, axe):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    uid = urlsafe_base64_encode(str(user.pk).encode())
    link = f"/staff/reset/{uid}/{default_token_generator.make_token(user)}/"

    page = open_page(link, bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page.locator("h1")).to_have_text("Choose a new password")
    axe(page, "the new password page")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("#password-reset-confirm-button").click()
    expect(page.locator("h1")).to_have_text("Your password is set")
    axe(page, "the password set page")

    page.locator("#sign-in-link").click()
    sign_in_staff(page, "liaison", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/staff/cases/$"))
    page.goto(link)
    expect(page.locator("h1")).to_have_text("This link does not work")
