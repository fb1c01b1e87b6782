"""Help and safety in headless Chromium on a 390x844 phone: the urgent help notice and "Leave this
site quickly" on every public page, in English and Spanish, with and without JavaScript; the
quick exit by tap, by Shift pressed three times and by the keyboard; Back after leaving; and
axe-core on the pages that say who reads a report and what happens next."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import translation

from intake.models import Report
from tests.browser.conftest import Filing, ReportForm, expect

pytestmark = pytest.mark.browser

# Made up: 555-0100 to 555-0199 are numbers no one can be called on.
TEST_LINE = {"name": "Northside Test Line", "phone": "612-555-0142", "hours": "Nights"}
EXIT_PATH = "/healthz"


@pytest.fixture(autouse=True)
def _safety_settings(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.URGENT_HELP_LINES = [TEST_LINE]
    # The machine has no internet: the exit site is a page of the live server that is not ours
    # to show anything of the form.
    settings.QUICK_EXIT_URL = live_server.url + EXIT_PATH


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


def expect_help_and_exit(page, language: str, where: str) -> None:
    """The page `where` has the urgent notice (911 and the configured line) and the quick exit,
    in `language`."""
    notice = page.locator("#urgent-help")
    expect(notice).to_be_visible()
    expect(notice.locator('a[href="tel:911"]')).to_be_visible()
    expect(notice).to_contain_text(TEST_LINE["name"])
    expect(notice.locator('a[href="tel:6125550142"]')).to_have_text(TEST_LINE["phone"])
    expect(notice).to_contain_text(in_language(language, "In danger right now?"))
    exit_link = page.locator("#quick-exit-link")
    expect(exit_link).to_be_visible()
    expect(exit_link).to_have_text(in_language(language, "Leave this site quickly"))
    assert exit_link.get_attribute("href").endswith(EXIT_PATH), where
    # Compact: the notice ends in the top third of the phone's screen, and the page's own
    # heading still starts on the first screen.
    box = notice.bounding_box()
    assert box is not None and box["y"] + box["height"] < 844 / 3, where
    heading = page.locator("h1").first.bounding_box()
    assert heading is not None and heading["y"] < 844 / 2, where


def expect_left_for_the_exit_page(page) -> None:
    expect(page).to_have_url(re.compile(re.escape(EXIT_PATH) + "$"))


# --- On every public page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "javascript", "anonymous"),
    [("en", True, False), ("es", False, False), ("en", False, True), ("es", True, True)],
    ids=["en-js-named", "es-nojs-named", "en-nojs-anonymous", "es-js-anonymous"],
)
def test_every_public_page_has_the_urgent_notice_and_the_quick_exit(
    open_page, axe, language, javascript, anonymous
):
    page = open_page("/report/", phone=True, javascript=javascript, bypass_csp=javascript)
    if language != "en":
        page.locator(f"#language-{language}").click()
    form = ReportForm(page)
    filing = Filing(anonymous="yes" if anonymous else "no")
    check = javascript  # axe-core needs scripts to run

    for path, where in (
        ("/report/", "the start page"),
        ("/report/privacy/", "the privacy page"),
        ("/report/your-rights/", "the rights page"),
        ("/report/no-such-page/at-all/", "a missing page"),
    ):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect_help_and_exit(page, language, where)
        if check and path != "/report/no-such-page/at-all/":
            axe(page, where)

    form.start()
    steps = [form.about, form.what, form.when, form.who, form.why, form.witnesses]
    if not anonymous:
        steps.insert(1, form.identity)
    for fill in steps:
        expect_help_and_exit(page, language, page.url)
        fill(filing)
    expect_help_and_exit(page, language, "the evidence step")
    form.evidence(None)
    expect_help_and_exit(page, language, "the account step")
    form.account(filing)
    if not anonymous:
        expect_help_and_exit(page, language, "the contact step")
        form.contact(filing)
    expect(page).to_have_url(re.compile(r"/report/review/$"))
    expect_help_and_exit(page, language, "the review page")

    tracking_code, secret = form.send()
    expect_help_and_exit(page, language, "the receipt")
    expect(page.locator("#stage-new")).to_have_attribute("aria-current", "step")
    expect(page.locator("#secret-warning")).to_be_visible()
    if check:
        axe(page, "the receipt")
    assert Report.objects.get(tracking_code=tracking_code).language == language

    form.check_status(tracking_code, secret)
    expect_help_and_exit(page, language, "the report signed in to")
    page.goto("/report/status/")
    expect_help_and_exit(page, language, "the status page")


# --- Leaving quickly --------------------------------------------------------------------------


def begin_a_report(page) -> ReportForm:
    """A report begun on the phone: its first step answered, the second typed into."""
    form = ReportForm(page)
    form.start()
    form.about(Filing())
    form.fill(name="Ana Example")
    return form


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_tap_on_the_quick_exit_leaves_for_the_exit_page(open_page, javascript):
    page = open_page("", phone=True, javascript=javascript)
    begin_a_report(page)
    page.locator("#quick-exit-link").tap()
    expect_left_for_the_exit_page(page)


def session_exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def test_after_a_quick_exit_back_shows_nothing_that_was_answered(open_page):
    page = open_page("", phone=True)
    begin_a_report(page)
    expect(page).to_have_url(re.compile(r"/report/identity/$"))
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    session = cookies[settings.SESSION_COOKIE_NAME]
    assert session_exists(session)
    page.locator("#quick-exit-link").tap()
    expect_left_for_the_exit_page(page)
    # The page told the server as it went (a beacon, which the page's events do not show).
    for _attempt in range(100):
        if not session_exists(session):
            break
        page.wait_for_timeout(50)
    assert not session_exists(session)

    page.go_back()
    # The step that was left is not in the history any more; the one before it is empty.
    assert not page.url.endswith("/report/identity/")
    expect(page.locator("body")).not_to_contain_text("Ana Example")
    expect(page.locator("input:checked")).to_have_count(0)
    # Not only the browser's copy: the server has forgotten the answers it kept.
    page.goto("/report/about/")
    expect(page.locator("input:checked")).to_have_count(0)


def test_shift_pressed_three_times_leaves_but_typing_capitals_does_not(open_page):
    page = open_page("", phone=True)
    form = begin_a_report(page)
    link = page.locator("#quick-exit-link")
    # Announced to screen readers, as the shortcut exists only with the script.
    expect(link).to_have_attribute("aria-describedby", "quick-exit-hint")
    expect(page.locator("#quick-exit-hint")).to_have_text(
        "You can also leave by pressing the Shift key 3 times."
    )

    form.field("occupation").click()
    for letter in "NURSE":
        page.keyboard.press(f"Shift+{letter}")
    expect(page).to_have_url(re.compile(r"/report/identity/$"))

    page.keyboard.press("Shift")
    expect(page.locator("#quick-exit-status")).to_have_text(
        "Shift pressed. Press it 2 more times to leave this site."
    )
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect_left_for_the_exit_page(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_keyboard_reaches_the_quick_exit_right_after_the_skip_link(open_page, javascript):
    page = open_page("/report/about/", javascript=javascript)
    page.keyboard.press("Tab")
    expect(page.locator(".usa-skipnav")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#quick-exit-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect_left_for_the_exit_page(page)
