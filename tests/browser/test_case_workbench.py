"""The case page as a workbench, at 1366x768 as on a liaison's laptop: the triage path (open the
case from the queue, move it to triaged with a reason, assign it, add a note) takes at most six
clicks and selections, every control is in the first screen when it is used, the page never
scrolls or reloads, and each message is announced next to its action. Without JavaScript the
same path works through plain forms. axe-core on the page, its disclosures open, and on a
phone."""

from typing import Any

import pytest
from django.contrib.auth.models import Group

from cases.models import Case
from cases.roles import Role
from intake.services import submit_report
from tests.browser.conftest import ARTIFACTS, expect, sign_in_staff
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
LAPTOP = {"width": 1366, "height": 768}
REASON = "Plates match an earlier stop"
NOTE = "Called the witness; she will send the video tonight."


def _liaison(username: str, first: str, last: str):
    user = UserFactory(username=username, password=PASSWORD, first_name=first, last_name=last)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    return user


def _case() -> Case:
    return submit_report(submission=ReportSubmissionFactory(), channel="web").report.case


def _photo(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"case-workbench-{name}.png", scale="css")


class Path:
    """Counts the clicks and selections of a path, and checks that each control was inside the
    first screen, unscrolled, when it was used."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.actions = 0

    def in_view(self, selector: str) -> Any:
        control = self.page.locator(selector)
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"], selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], (selector, box)
        assert self.page.evaluate("window.scrollY") == 0, selector
        return control

    def click(self, selector: str) -> None:
        self.in_view(selector).click()
        self.actions += 1

    def select(self, selector: str, **option: str) -> None:
        self.in_view(selector).select_option(**option)
        self.actions += 1

    def type(self, selector: str, text: str) -> None:
        self.in_view(selector).fill(text)  # typing: not counted


def _signed_in_on_the_queue(open_page: Any, *, javascript: bool = True) -> Any:
    page = open_page("/staff/cases/", javascript=javascript)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "dana", PASSWORD)
    expect(page.locator("h1")).to_have_text("Case queue")
    return page


def _changed(case: Case, assignee: Any) -> None:
    case.refresh_from_db()
    assert case.status == Case.Status.TRIAGED
    assert case.assignee == assignee
    assert case.notes.get().body == NOTE
    assert REASON in [row.history_change_reason for row in case.history.all()]


def test_the_triage_path_takes_six_actions_without_scrolling(open_page, browser_log):
    _liaison("dana", "Dana", "Reyes")
    luis = _liaison("luis", "Luis", "Ortega")
    case = _case()
    page = _signed_in_on_the_queue(open_page)
    path = Path(page)

    path.click(f"a[href='/staff/cases/{case.reference}/']")
    expect(page.locator("h1")).to_contain_text(case.reference)
    # Every control of the path is in the first screen before anything is done.
    for selector in (
        "#id_transition-to",
        "#id_transition-reason",
        "#transition-submit",
        "#id_assign-assignee",
        "#assign-submit",
        "#id_note-body",
        "#note-submit",
    ):
        path.in_view(selector)
    # No status is chosen for the user.
    expect(page.locator("#id_transition-to")).to_have_value("")
    _photo(page, "laptop")
    # A mark that a reload would lose: the actions below must keep it.
    page.evaluate("window.stillTheSamePage = true")

    path.select("#id_transition-to", value="triaged")
    path.type("#id_transition-reason", REASON)
    path.click("#transition-submit")
    expect(page.locator("#transition-message")).to_have_text(f"{case.reference} is now Triaged.")
    expect(page.locator("#transition-message")).to_have_attribute("role", "status")
    expect(page.locator("#case-status")).to_have_text("Triaged")
    # The form now offers the moves from Triaged, still with none chosen, and the new version.
    expect(page.locator("#id_transition-to")).to_have_value("")
    expect(page.locator("#id_transition-to option[value='investigating']")).to_have_count(1)
    version = str(Case.objects.get(pk=case.pk).version)
    expect(page.locator("#id_assign-version")).to_have_value(version)

    path.select("#id_assign-assignee", label="Luis Ortega")
    path.click("#assign-submit")
    expect(page.locator("#assign-message")).to_have_text("Assigned to Luis Ortega.")
    expect(page.locator("#transition-message")).to_be_empty()
    expect(page.locator("#case-assignee")).to_have_text("Luis Ortega")

    path.type("#id_note-body", NOTE)
    path.click("#note-submit")
    expect(page.locator("#note-message")).to_have_text("Note added.")
    expect(page.locator("#notes li").first).to_contain_text(NOTE)
    expect(page.locator("#notes li").first).to_contain_text("Dana Reyes")
    expect(page.locator("#id_note-body")).to_have_value("")
    # The timeline, newest first, has the reason and names people by their names.
    expect(page.locator("#timeline li").first).to_contain_text("Note created")
    expect(page.locator("#timeline")).to_contain_text(REASON)
    expect(page.locator("#timeline")).to_contain_text("by Dana Reyes")

    assert path.actions <= 6, path.actions
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("window.stillTheSamePage") is True
    _photo(page, "laptop-after-triage")
    _changed(case, luis)
    # No CSP violation and no script error along the way.
    assert browser_log.console_errors == [] and browser_log.page_errors == []


def test_the_triage_path_works_without_javascript(open_page):
    _liaison("dana", "Dana", "Reyes")
    luis = _liaison("luis", "Luis", "Ortega")
    case = _case()
    page = _signed_in_on_the_queue(open_page, javascript=False)

    page.locator(f"a[href='/staff/cases/{case.reference}/']").click()
    expect(page.locator("h1")).to_contain_text(case.reference)
    page.locator("#id_transition-to").select_option("triaged")
    page.locator("#id_transition-reason").fill(REASON)
    page.locator("#transition-submit").click()
    expect(page.locator("#case-status")).to_have_text("Triaged")
    expect(page.locator("[role=status]").first).to_contain_text("is now Triaged")

    page.locator("#id_assign-assignee").select_option(label="Luis Ortega")
    page.locator("#assign-submit").click()
    expect(page.locator("#case-assignee")).to_have_text("Luis Ortega")

    page.locator("#id_note-body").fill(NOTE)
    page.locator("#note-submit").click()
    expect(page.locator("#notes")).to_contain_text(NOTE)
    _changed(case, luis)

    # A refusal without JavaScript: the error summary at the top, the error by the form.
    page.locator("#id_transition-to").select_option("closed")
    page.locator("#transition-submit").click()
    expect(page.locator("#error-summary")).to_contain_text("needs a reason")
    expect(page.locator("#transition-errors")).to_contain_text("needs a reason")


def test_a_refusal_is_announced_next_to_the_form(open_page):
    _liaison("dana", "Dana", "Reyes")
    case = _case()
    page = open_page(f"/staff/cases/{case.reference}/")
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "dana", PASSWORD)
    page.locator("#id_transition-to").select_option("closed")
    expect(page.locator("#id_transition-close_reason")).to_be_visible()
    page.locator("#transition-submit").click()
    errors = page.locator("#transition-errors")
    expect(errors).to_contain_text("Moving a case from New to Closed needs a reason.")
    expect(errors).to_have_attribute("role", "alert")
    expect(page.locator("#error-summary")).to_have_count(0)
    assert page.evaluate("window.scrollY") == 0
    # The choice made is kept, so a reason is all it takes to send it again.
    expect(page.locator("#id_transition-to")).to_have_value("closed")
    assert Case.objects.get(pk=case.pk).status == Case.Status.NEW


def test_the_case_page_passes_axe_with_its_disclosures_open_and_on_a_phone(open_page, axe):
    _liaison("dana", "Dana", "Reyes")
    _liaison("luis", "Luis", "Ortega")
    case = _case()
    page = open_page(f"/staff/cases/{case.reference}/", bypass_csp=True)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "dana", PASSWORD)
    expect(page.locator("h1")).to_contain_text(case.reference)
    axe(page, "the case page")
    page.locator("#priority-details summary").click()
    page.locator("#merge-details summary").click()
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    axe(page, "the case page with its disclosures open")
    _photo(page, "laptop-disclosures-open")
    page.locator("#id_transition-to").select_option("closed")
    page.locator("#transition-submit").click()
    expect(page.locator("#transition-errors")).to_be_visible()
    axe(page, "the case page refusing a change")

    phone = open_page(f"/staff/cases/{case.reference}/", phone=True, bypass_csp=True)
    sign_in_staff(phone, "dana", PASSWORD)
    expect(phone.locator("h1")).to_contain_text(case.reference)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    axe(phone, "the case page on a phone")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "case-workbench-phone.png", full_page=True, scale="css")


def test_legal_staff_see_the_triage_path_in_the_first_screen_too(open_page):
    # Legal staff also choose who may read a note: one more line in the panel.
    user = UserFactory(username="ines", password=PASSWORD, first_name="Inés", last_name="Soto")
    user.groups.add(Group.objects.get(name=Role.LEGAL.value))
    case = _case()
    page = open_page(f"/staff/cases/{case.reference}/")
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "ines", PASSWORD)
    expect(page.locator("h1")).to_contain_text(case.reference)
    path = Path(page)
    for selector in (
        "#id_transition-to",
        "#transition-submit",
        "#id_assign-assignee",
        "#assign-submit",
        "#id_note-body",
        "#note-submit",
    ):
        path.in_view(selector)
    _photo(page, "laptop-legal")
