"""A police liaison makes an API token on a laptop screen (1366x768), sees the key once, finds
the token listed without it, and revokes it; axe-core on each state of the page."""

import re

import pytest
from django.contrib.auth.models import Group

from api_tokens.models import ApiToken
from cases.roles import Role
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"


def test_a_liaison_makes_sees_and_revokes_an_api_token(open_page, axe):
    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))

    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_staff(page, "liaison", PASSWORD)
    page.locator("#nav-account").click()
    page.locator("#link-api-tokens").click()
    expect(page.locator("h1")).to_have_text("API tokens")
    expect(page.locator("#no-tokens")).to_be_visible()
    axe(page, "the API tokens page with no tokens")

    page.locator("#id_name").fill("Weekly export")
    page.locator("#create-token-button").click()
    key_box = page.locator("#new-token-key")
    expect(key_box).to_be_visible()
    key = key_box.input_value()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    token = ApiToken.objects.get(user=user)
    row = page.locator(f"#token-{token.pk}")
    expect(row).to_contain_text("Weekly export")
    expect(row).to_contain_text("Never")
    axe(page, "the API tokens page showing a new key")

    page.goto("/staff/account/tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator(f"#token-{token.pk}")).to_contain_text("Weekly export")
    assert key not in page.content()

    page.get_by_role("button", name="Revoke “Weekly export”").click()
    expect(page.get_by_role("status").filter(has_text="Revoked")).to_contain_text(
        "Weekly export"
    )
    expect(page.locator(f"#token-{token.pk}")).to_have_count(0)
    expect(page.locator("#no-tokens")).to_be_visible()
    axe(page, "the API tokens page after revoking")
    assert not ApiToken.objects.filter(user=user).exists()
