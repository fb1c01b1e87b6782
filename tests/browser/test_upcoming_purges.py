"""Legal staff in headless Chromium on a 1366x768 laptop screen: open Upcoming purges from the
staff navigation, try to hold a case without a reason (the error summary names the field), then
hold it with one; the case leaves the list and its page shows the hold. axe-core on the page."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.legal_holds import hold_in_force
from cases.models import Case
from cases.roles import Role
from cases.services import transition_case
from tests.browser.conftest import ARTIFACTS, expect, sign_in_staff
from tests.factories import UserFactory, report_with_evidence

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"


def _closed_spam(legal, *, days_ago: int) -> Case:
    case = report_with_evidence(consent_to_share_with_liaison=False).case
    case = transition_case(case=case, to=Case.Status.CLOSED, actor=legal, reason="Spam",
                           close_reason=Case.CloseReason.SPAM, expected_version=case.version)
    Case.objects.filter(pk=case.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days_ago)
    )
    return case


def test_legal_staff_hold_a_case_from_upcoming_purges_on_a_laptop_screen(open_page, axe):
    legal = UserFactory(username="legal", password=PASSWORD)
    legal.groups.add(Group.objects.get(name=Role.LEGAL.value))
    soonest = _closed_spam(legal, days_ago=80)
    later = _closed_spam(legal, days_ago=65)

    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_staff(page, "legal", PASSWORD)
    page.locator("#nav-upcoming-purges").click()
    expect(page.locator("h1")).to_have_text("Upcoming purges")
    rows = page.locator("#upcoming-purges-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(soonest.reference)
    expect(rows.nth(1)).to_contain_text(later.reference)
    axe(page, "the upcoming purges page")

    page.locator(f"#hold-{soonest.pk}-submit").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("A legal hold needs a reason.")
    expect(summary.get_by_role("link")).to_have_attribute(
        "href", f"#id_hold-{soonest.pk}-reason"
    )
    axe(page, "the upcoming purges page with an error")

    page.locator(f"#id_hold-{soonest.pk}-reason").fill("Litigation hold: Doe v. County")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "upcoming-purges-1366x768.png", scale="css")
    page.locator(f"#hold-{soonest.pk}-submit").click()
    expect(page.get_by_role("status")).to_contain_text(f"{soonest.reference} is under a legal hold")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(later.reference)
    page.screenshot(path=ARTIFACTS / "upcoming-purges-held-1366x768.png", scale="css")

    hold = hold_in_force(soonest)
    assert hold is not None and hold.placed_by == legal
    page.goto(f"/staff/cases/{soonest.reference}/")
    expect(page.locator("#legal-hold-in-force")).to_contain_text("Doe v. County")
    expect(page.locator("#lift-form")).to_be_visible()
    page.locator("#legal-hold-in-force").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "case-legal-hold-1366x768.png", scale="css")
