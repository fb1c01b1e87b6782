"""Legal staff read the access log in headless Chromium at 1366x768: their own sign-in and a
liaison's look at a case are listed, the case filter narrows the list, and axe-core finds
nothing to fix on the page."""

import re

import pytest
from django.contrib.auth.models import Group

from accesslog.models import AccessKind, AccessLogEntry
from cases.roles import Role
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"


def test_legal_staff_read_and_filter_the_access_log(open_page, axe):
    legal = UserFactory(username="counsel", password=PASSWORD)
    legal.groups.add(Group.objects.get(name=Role.LEGAL.value))
    AccessLogEntry.objects.create(
        kind=AccessKind.CASE,
        username="liaison",
        role=Role.LIAISON.value,
        case_reference="RD-2026-000001",
        object_id="RD-2026-000001",
        address="192.0.2.1",
    )

    page = open_page("/staff/access-log/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page).to_have_url(re.compile(r"/staff/login/\?next="))
    sign_in_staff(page, "counsel", PASSWORD)
    expect(page.locator("h1")).to_have_text("Access log")
    table = page.locator("#access-log-table")
    expect(table).to_contain_text("Signed in")
    expect(table).to_contain_text("RD-2026-000001")
    axe(page, "the access log")

    page.locator("#id_case").fill("RD-2026-000001")
    page.locator("#filter-submit").click()
    expect(page.locator("#access-log-table tbody tr")).to_have_count(1)
    expect(page.locator("#csv-export")).to_have_attribute("href", re.compile("case=RD-2026"))
    axe(page, "the access log filtered by case")
