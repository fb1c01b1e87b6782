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
