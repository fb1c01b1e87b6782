"""axe-core (WCAG 2.1 A and AA) on every staff page a signed-in person opens, at 1366x768, in
English and in Spanish (the language a setting of the account)."""

import pytest
from django.contrib.auth.models import Group

from cases.models import StaffPreferences
from cases.roles import Role
from cases.services import add_note
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import UserFactory, report_with_evidence

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"

# Every page under /staff/ that a signed-in member of staff reads (the sign-in, two-factor and
# password-reset pages have their own browser tests, with axe).
PAGES = [
    ("/staff/cases/", "the queue"),
    ("/staff/cases/views/", "the save-a-view page"),
    (None, "the case page"),
    ("/staff/statistics/", "the statistics"),
    ("/staff/retention/upcoming/", "upcoming purges"),
    ("/staff/access-log/", "the access log"),
    ("/staff/account/", "My account"),
    ("/staff/account/sessions/", "your sessions"),
    ("/staff/account/sign-in-methods/", "sign-in methods"),
    ("/staff/account/password/", "change password"),
    ("/staff/account/tokens/", "API tokens"),
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_axe_finds_no_violations_on_any_staff_page(open_page, axe, language):
    legal = UserFactory(username="legal", password=PASSWORD, first_name="Ana", last_name="Lucero")
    legal.groups.add(Group.objects.get(name=Role.LEGAL.value))
    StaffPreferences.objects.create(user=legal, language=language)
    case = report_with_evidence(consent_to_share_with_liaison=True).case
    add_note(case=case, author=legal, body="Called the witness.", visibility="staff")

    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_staff(page, "legal", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", language)
    for path, where in PAGES:
        page.goto(path or f"/staff/cases/{case.reference}/")
        expect(page.locator("#site-header")).to_be_visible()
        axe(page, f"{where} ({language})")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where} ({language}) scrolls sideways by {overflow}px"
