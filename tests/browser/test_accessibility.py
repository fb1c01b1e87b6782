"""axe-core (WCAG 2.1 A and AA) on every page a person filing a report sees: each step, an
error state, the review page, the receipt and the status page."""

import pytest

from intake.forms import STEPS
from intake.public_labels import Voice
from tests.browser.conftest import Filing, ReportForm, expect, tiny_png

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_axe_finds_no_violations_on_any_page_of_the_report_form(open_page, axe, tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(tiny_png())
    page = open_page("/report/", phone=True, bypass_csp=True)
    form = ReportForm(page)
    filing = Filing()
    axe(page, "the start page")
    form.start()

    fill = {
        "about": form.about,
        "identity": form.identity,
        "what": form.what,
        "when": form.when,
        "who": form.who,
        "why": form.why,
        "witnesses": form.witnesses,
        "evidence": lambda _filing: form.evidence(photo),
        "account": form.account,
        "contact": form.contact,
    }
    for step in STEPS:
        expect(form.heading()).to_contain_text(step.title_in(Voice.FIRST))
        if step.slug == "review":
            break
        axe(page, f"the {step.slug!r} step")
        fill[step.slug](filing)

    axe(page, "the review page")
    tracking_code, secret = form.send()
    axe(page, "the receipt")

    page.goto("/report/status/")
    axe(page, "the status page")
    form.check_status(tracking_code, secret)
    expect(page.locator("#status-value")).to_be_visible()
    axe(page, "the status page showing a status")
    form.check_status(tracking_code, "WRONG-WRONG-WRONG-WRONG")
    expect(page.locator("#status-not-found")).to_be_visible()
    axe(page, "the status page after a wrong secret")


def test_axe_finds_no_violations_in_error_states(open_page, axe):
    page = open_page("/report/about/", phone=True, bypass_csp=True)
    form = ReportForm(page)
    form.save_and_continue()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, "the first step sent empty")

    form.about(Filing())
    form.identity(Filing())
    form.what(Filing())
    form.fill_date("2999-01-01")
    form.fill(occurred_time="25:99", city="")
    form.save_and_continue()
    expect(page.locator("#error-summary li")).to_have_count(2)
    axe(page, "the 'when' step with a future date and no city")

    page.goto("/report/status/")
    page.locator("#status-button").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, "the status page sent empty")
