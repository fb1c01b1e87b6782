"""The report form as a frightened person on a phone meets it, in English and Spanish, with and
without JavaScript: what they type survives a change of language and the Back link, the date is
three boxes with errors that say what to fix, Enter saves the step, and someone reporting for
another person is asked about that person all the way to the review page."""

import re

import pytest
from django.utils import translation

from intake.forms import STEPS_BY_SLUG
from intake.memorable_date import NOT_REAL
from intake.public_labels import ENCOUNTER_KIND_LABELS, Voice, in_voice
from tests.browser.conftest import Filing, ReportForm, expect, tiny_png

pytestmark = pytest.mark.browser

OTHER = {"en": "es", "es": "en"}


def said(text, language: str) -> str:
    """A translatable text as the pages say it in `language`."""
    with translation.override(language):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def title(slug: str, language: str, voice: Voice = Voice.FIRST) -> str:
    return said(in_voice(STEPS_BY_SLUG[slug].title, voice), language)


def kind_label(code: str, language: str, voice: Voice) -> str:
    return said(in_voice(ENCOUNTER_KIND_LABELS[code], voice), language)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "suvs.png"
    path.write_bytes(tiny_png())
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_what_is_typed_survives_another_language_and_the_back_link(
    open_page, browser_log, photo, language, javascript
):
    other = OTHER[language]
    page = open_page("/report/", phone=True, javascript=javascript)
    form = ReportForm(page)
    html = page.locator("html")
    form.start()
    if language == "es":
        form.switch_language("es")
    expect(html).to_have_attribute("lang", language)
    expect(page.locator("#page-caption")).to_have_text(said("Before we begin", language))
    expect(page.locator("#progress")).not_to_contain_text(re.compile(r"\d+ (of|de) \d+"))

    # Choices made, then the other language: still chosen, now in the other language.
    form.choose("role", "affected")
    form.choose("anonymous", "no")
    form.switch_language(other)
    expect(html).to_have_attribute("lang", other)
    expect(page).to_have_url(re.compile(r"/report/about/$"))
    expect(form.heading()).to_have_text(title("about", other))
    expect(form.field("role", "affected")).to_be_checked()
    expect(form.field("anonymous", "no")).to_be_checked()
    expect(page.locator("#error-summary")).to_have_count(0)
    form.switch_language(language)
    form.save_and_continue()

    # Typed, then Back (the link at the top): the step before; forward again, still typed.
    expect(page.locator(".usa-step-indicator__current-step")).to_have_text("1")
    expect(page.locator(".usa-step-indicator__total-steps")).to_contain_text("9")
    form.fill(name="Ana Example")
    form.back()
    expect(page).to_have_url(re.compile(r"/report/about/$"))
    expect(form.field("role", "affected")).to_be_checked()
    form.save_and_continue()
    expect(page).to_have_url(re.compile(r"/report/identity/$"))
    expect(form.field("name")).to_have_value("Ana Example")
    form.save_and_continue()

    form.choose("kinds", "boxed-in")
    form.fill(outcome="They left after ten minutes.")
    form.switch_language(other)
    expect(form.heading()).to_contain_text(title("what", other))
    expect(form.field("kinds", "boxed-in")).to_be_checked()
    boxed_in = form.field("kinds", "boxed-in").get_attribute("id")
    expect(page.locator(f'label[for="{boxed_in}"]')).to_have_text(
        kind_label("boxed-in", other, Voice.FIRST)
    )
    expect(form.field("outcome")).to_have_value("They left after ten minutes.")
    form.switch_language(language)
    form.save_and_continue()

    # The date: a day that does not exist, then "not sure" with the month and year.
    form.fill(
        occurred_date_day="31", occurred_date_month="2", occurred_date_year="2025", city="St Paul"
    )
    form.save_and_continue()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text(said(NOT_REAL, language))
    expect(summary.locator("a").first).to_have_attribute("href", "#id_occurred_date_day")
    expect(form.field("occurred_date_day")).to_have_class(re.compile(r"\busa-input--error\b"))
    expect(form.field("occurred_date_month")).to_have_class(re.compile(r"\busa-input--error\b"))
    expect(form.field("occurred_date_year")).not_to_have_class(re.compile(r"usa-input--error"))
    if javascript:
        summary.locator("a").first.click()
        expect(form.field("occurred_date_day")).to_be_focused()
    form.fill(occurred_date_day="")
    form.tick("approximate")
    form.save_and_continue()

    # Enter in a field saves the step, as the main button does.
    expect(page).to_have_url(re.compile(r"/report/who/$"))
    form.field("plates").fill("XKC 481")
    form.field("plates").press("Enter")
    expect(page).to_have_url(re.compile(r"/report/why/$"))
    form.save_and_continue()
    form.save_and_continue()  # no witnesses

    # Evidence: the description is kept across a language switch, the file chosen is not sent.
    expect(page).to_have_url(re.compile(r"/report/evidence/$"))
    form.field("files").set_input_files(photo)
    if javascript:
        expect(page.locator(".usa-file-input__preview-heading")).to_contain_text(
            said("Selected file", language)
        )
        expect(page.locator(".usa-file-input__preview")).to_contain_text(photo.name)
    form.fill(description="The two SUVs")
    form.switch_language(other)
    expect(form.field("description")).to_have_value("The two SUVs")
    expect(page.locator("#file-list")).to_have_count(0)
    form.switch_language(language)
    form.save_and_continue()
    form.fill(narrative="Two SUVs boxed in my car.")
    form.save_and_continue()
    form.save_and_continue()  # contact

    review = page.locator("#main-content")
    expect(form.heading()).to_have_text(title("review", language))
    expect(page.locator(".usa-step-indicator")).to_have_count(0)
    expect(review).to_contain_text("They left after ten minutes.")
    expect(review).to_contain_text("XKC 481")
    expect(review).to_contain_text("Ana Example")
    expect(review).to_contain_text({"en": "February 2025", "es": "febrero de 2025"}[language])
    assert browser_log.page_errors == []
    assert browser_log.console_errors == []
    if not javascript:
        assert not [url for url in browser_log.requests if url.endswith(".js")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_witness_is_asked_about_the_person_affected_on_every_page_with_no_axe_violation(
    open_page, axe, photo, language
):
    page = open_page("/report/", phone=True, bypass_csp=True)
    form = ReportForm(page)
    filing = Filing(role="witness", anonymous="yes")
    form.start()
    if language == "es":
        form.switch_language("es")
    axe(page, "the first step")
    form.about(filing)

    # Anonymous: 7 steps, known from the first one.
    expect(page.locator(".usa-step-indicator__current-step")).to_have_text("1")
    expect(page.locator(".usa-step-indicator__total-steps")).to_contain_text("7")
    expect(page.locator(".usa-step-indicator__segment")).to_have_count(7)
    first_person = kind_label("boxed-in", language, Voice.FIRST)
    expect(page.locator("#step-form")).to_contain_text(
        kind_label("boxed-in", language, Voice.THIRD)
    )
    expect(page.locator("#step-form")).not_to_contain_text(first_person)
    axe(page, "the 'what' step")
    form.what(filing)

    form.fill(occurred_date_day="12", occurred_date_year="25", city="")
    form.save_and_continue()
    expect(page.locator("#error-summary li")).to_have_count(2)
    axe(page, "the 'when' step with its errors shown")
    form.when(filing)

    expect(page.locator(".usa-step-indicator__current-step")).to_have_text("3")
    axe(page, "the 'who' step")
    form.who(filing)

    expect(form.heading()).to_contain_text(title("why", language, Voice.THIRD))
    race = said(
        "How would the person affected describe their race or ethnicity, if you know?", language
    )
    expect(page.locator('label[for="id_race_ethnicity"]')).to_contain_text(race)
    axe(page, "the 'why' step")
    form.why(filing)

    axe(page, "the witnesses step")
    form.witnesses(filing)

    expect(page.locator("#location-note")).to_be_visible()
    axe(page, "the evidence step")
    form.field("files").set_input_files(photo)
    axe(page, "the evidence step with a file chosen")
    form.page.locator("#upload-button").click()
    expect(page.locator("#file-list")).to_contain_text(photo.name)
    axe(page, "the evidence step with a file added")
    form.save_and_continue()

    axe(page, "the account step")
    form.account(filing)

    expect(form.heading()).to_have_text(title("review", language))
    review = page.locator("#main-content")
    expect(review).to_contain_text(title("why", language, Voice.THIRD))
    expect(review).to_contain_text(kind_label("boxed-in", language, Voice.THIRD))
    expect(review).not_to_contain_text(first_person)
    axe(page, "the review page")
