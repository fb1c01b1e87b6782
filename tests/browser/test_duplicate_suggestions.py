"""A police liaison on a 1366x768 laptop screen: a duplicate of the case is planted, the case page
lists it with why it matched, one click merges it, the page confirms, and the duplicate's address
now leads to the survivor. And a press report cites its article, never our file name for it.
axe-core on each page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from cases.roles import Role
from intake.services import submit_report
from tests.browser.conftest import ARTIFACTS, expect, sign_in_staff
from tests.factories import EncounterInputFactory, ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
LAPTOP = {"width": 1366, "height": 768}
OFFICER_CASE = "Off-duty Brooklyn Park officer boxed in, guns drawn, phone knocked away"


def _liaison() -> None:
    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))


def _case(narrative: str) -> Case:
    day = timezone.localtime().replace(hour=8, minute=15) - timedelta(days=3)
    return submit_report(
        submission=ReportSubmissionFactory(
            narrative=narrative,
            encounter=EncounterInputFactory(
                occurred_at=day, city="Minneapolis", plates="MN KTR-482"
            ),
        ),
        channel="web",
    ).report.case


def test_a_planted_duplicate_is_suggested_and_merged_in_one_click(open_page, axe):
    _liaison()
    case = _case("Two SUVs boxed me in on Lake Street and agents drew their guns.")
    duplicate = _case("I watched agents box in a car on Lake Street, guns drawn, plate KTR 482.")

    page = open_page(f"/staff/cases/{case.reference}/", bypass_csp=True)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "liaison", PASSWORD)
    suggestions = page.locator("#duplicate-suggestions")
    expect(suggestions).to_be_visible()
    suggestion = page.locator(f"#duplicate-{duplicate.reference}")
    expect(suggestion).to_contain_text(
        "Same day · Same city (Minneapolis) · Same plates: MN KTR 482"
    )
    axe(page, "the case page with a suggested duplicate")
    suggestions.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "duplicate-suggestion-1366x768.png", scale="css")

    page.locator(f"#merge-suggested-{duplicate.reference}").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Merged {duplicate.reference}")
    ).to_contain_text(f"Merged {duplicate.reference} into this case.")
    expect(page.locator("#merged-cases")).to_contain_text(duplicate.reference)
    expect(page.locator(f"#duplicate-{duplicate.reference}")).to_have_count(0)
    expect(page.locator("#no-duplicate-suggestions")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text(f"Same incident as {case.reference}")
    axe(page, "the case page after the merge")
    page.screenshot(path=ARTIFACTS / "duplicate-merged-1366x768.png", scale="css")

    page.goto(f"/staff/cases/{duplicate.reference}/")
    expect(page).to_have_url(re.compile(rf"/staff/cases/{case.reference}/$"))
    merged = Case.objects.get(pk=duplicate.pk)
    assert merged.merged_into_id == case.pk
    assert merged.history.first().history_user.username == "liaison"


def test_a_press_report_cites_its_article_and_never_our_file_name(open_page, axe):
    _liaison()
    call_command("load_seed_cases")
    officer = Case.objects.get(title=OFFICER_CASE)
    audacy = officer.reports.get(source_outlet="Audacy")

    page = open_page(f"/staff/cases/{officer.reference}/", bypass_csp=True)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "liaison", PASSWORD)
    report = page.locator(f"#report-{audacy.tracking_code}")
    expect(report).to_contain_text("Loaded from a press source")
    expect(report.locator(".rd-citation-outlet")).to_have_text("Audacy")
    expect(report.locator(".rd-citation-headline")).to_contain_text(
        "Serious concerns of racial profiling"
    )
    expect(report.locator(".rd-citation-author")).to_have_text("No author named in the article")
    expect(report.locator(".rd-citation-date")).to_have_text(
        "No publication date given in the article"
    )
    expect(report.locator(".rd-citation-url")).to_have_text("No URL given")
    expect(page.locator("body")).not_to_contain_text(".txt")
    expect(page.locator("#timeline")).to_contain_text("loaded from a press source")
    expect(page.locator("#timeline")).not_to_contain_text("by the public")
    axe(page, "the seed officer case")
    # The citation heads the report: photograph it from the report's heading down.
    report.locator("h3").evaluate("heading => heading.scrollIntoView({block: 'start'})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "press-citation-1366x768.png", scale="css")
