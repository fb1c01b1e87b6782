"""A police liaison's day in headless Chromium: sign in, filter the queue to weapons drawn, open
the seed officer case with its five sources and their conflicts, triage it with a reason, assign
it, merge a duplicate into it, and find every step on the timeline; axe-core on the queue and
the case page."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cases.models import Case
from cases.roles import Role
from intake.services import submit_report
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
OFFICER_CASE = "Off-duty Brooklyn Park officer boxed in, guns drawn, phone knocked away"


def _liaison(username: str):
    user = UserFactory(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    return user


def test_a_liaison_triages_assigns_and_merges_the_officer_case(open_page, axe):
    _liaison("liaison")
    _liaison("liaison2")
    call_command("load_seed_cases")
    officer = Case.objects.get(title=OFFICER_CASE)
    duplicate = submit_report(
        submission=ReportSubmissionFactory(
            narrative="My neighbour, an off-duty officer, was boxed in by SUVs on Brooklyn Blvd."
        ),
        channel="web",
    ).report.case
    no_weapons = Case.objects.get(title__startswith="St. Paul city employees")

    page = open_page("/staff/cases/", bypass_csp=True)
    expect(page).to_have_url(re.compile(r"/staff/login/\?next="))
    sign_in_staff(page, "liaison", PASSWORD)
    expect(page.locator("h1")).to_have_text("Case queue")
    axe(page, "the case queue")

    page.locator("#filters summary").click()
    page.locator("#id_weapons_drawn").select_option("1")
    page.locator("#filter-submit").click()
    expect(page).to_have_url(re.compile(r"weapons_drawn=1"))
    expect(page.locator(f"#case-{officer.reference}")).to_be_visible()
    expect(page.locator(f"#case-{no_weapons.reference}")).to_have_count(0)
    axe(page, "the queue filtered to weapons drawn")

    page.get_by_role("link", name=officer.reference, exact=True).click()
    expect(page.locator("h1")).to_contain_text(officer.reference)
    expect(page.locator('section[id^="report-"]')).to_have_count(5)
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Rooley")
    axe(page, "the officer case")

    page.locator("#id_transition-to").select_option("triaged")
    page.locator("#id_transition-reason").fill("Five press sources describe one stop")
    page.locator("#transition-submit").click()
    expect(page.locator("#case-status")).to_have_text("Triaged")

    page.locator("#id_assign-assignee").select_option(label="liaison2")
    page.locator("#id_assign-reason").fill("Knows the Brooklyn Park chief")
    page.locator("#assign-submit").click()
    expect(page.locator("#case-assignee")).to_have_text("liaison2")

    # Merging is one of the less frequent actions beside the case, in a disclosure.
    page.locator("#merge-details summary").click()
    page.locator("#id_merge-duplicates").fill(duplicate.reference)
    page.locator("#id_merge-reason").fill("The same stop, told by a neighbour")
    page.locator("#merge-submit").click()
    expect(page.locator("#merged-cases")).to_contain_text(duplicate.reference)
    expect(page.locator('section[id^="report-"]')).to_have_count(6)

    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Five press sources describe one stop")
    expect(timeline).to_contain_text("Knows the Brooklyn Park chief")
    expect(timeline).to_contain_text(f"Merged in {duplicate.reference}")
    expect(timeline).to_contain_text("The same stop, told by a neighbour")
    axe(page, "the officer case after the changes")

    page.goto(f"/staff/cases/{duplicate.reference}/")
    expect(page).to_have_url(re.compile(rf"/staff/cases/{officer.reference}/$"))


def _signed_in(open_page, username: str, path: str):
    # The axe check reads the page with scripts injected: allowed for that check only.
    page = open_page(path, bypass_csp=True)
    sign_in_staff(page, username, PASSWORD)
    return page


def test_a_triage_sent_from_a_page_opened_before_the_case_was_closed_is_refused(
    open_page, axe
):
    _liaison("liaison")
    _liaison("liaison2")
    case = submit_report(
        submission=ReportSubmissionFactory(consent_to_contact=False), channel="web"
    ).report.case
    path = f"/staff/cases/{case.reference}/"
    mine = _signed_in(open_page, "liaison", path)
    theirs = _signed_in(open_page, "liaison2", path)
    expect(mine.locator("#case-status")).to_have_text("New")

    theirs.locator("#id_transition-to").select_option("closed")
    theirs.locator("#id_transition-close_reason").select_option("spam")
    theirs.locator("#id_transition-reason").fill("An advert for a lawyer")
    theirs.locator("#transition-submit").click()
    expect(theirs.locator("#case-status")).to_have_text("Closed (Spam)")

    mine.locator("#id_transition-to").select_option("triaged")
    mine.locator("#id_transition-reason").fill("The plates match a second report")
    mine.locator("#transition-submit").click()
    # Refused in place: the message is next to the form, announced as an alert.
    refusal = mine.locator("#transition-errors")
    expect(refusal).to_contain_text("closed as Spam by liaison2")
    expect(refusal).to_contain_text("Nothing was changed.")
    expect(refusal).to_have_attribute("role", "alert")
    expect(mine.locator("#case-status")).to_have_text("Closed (Spam)")
    expect(mine.locator("#id_transition-reason")).to_have_value(
        "The plates match a second report"
    )
    assert Case.objects.get(pk=case.pk).status == "closed"
    axe(mine, "the case page refusing a change made on an out-of-date page")

    # Sent again from the page that now shows the closed case: a deliberate reopening.
    mine.locator("#id_transition-to").select_option("triaged")
    mine.locator("#transition-submit").click()
    expect(mine.locator("#case-status")).to_have_text("Triaged")
