"""Filing a report in headless Chromium, as a person on a phone would, in English and in
Spanish, with and without JavaScript, and checking its status afterwards."""

import hashlib
import re

import pytest
from django.utils import translation

from intake.forms import STEPS
from intake.models import Report
from intake.public_labels import ENCOUNTER_KIND_LABELS, Voice, in_voice
from tests.browser.conftest import Filing, ReportForm, Witness, expect, tiny_png

pytestmark = pytest.mark.browser


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "suvs-on-brooklyn-blvd.png"
    path.write_bytes(tiny_png())
    return path


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_report_filed_on_a_phone_with_two_witnesses_and_a_photo_gives_a_working_receipt(
    open_page, photo
):
    page = open_page("", phone=True)
    form = ReportForm(page)
    filing = Filing()

    form.start()
    expect(form.heading()).to_contain_text("About you")
    form.about(filing)
    expect(form.heading()).to_contain_text("Your details")
    form.identity(filing)
    expect(form.heading()).to_contain_text("What happened")
    form.what(filing)
    expect(form.heading()).to_contain_text("When and where")
    form.when(filing)
    expect(form.heading()).to_contain_text("Who they were")
    form.who(filing)
    expect(form.heading()).to_contain_text("Why you think you were stopped")
    form.why(filing)
    expect(form.heading()).to_contain_text("Witnesses")
    form.witnesses(filing)
    expect(form.heading()).to_contain_text("Photos, videos and documents")
    form.evidence(photo)
    expect(form.heading()).to_contain_text("In your own words")
    form.account(filing)
    expect(form.heading()).to_contain_text("Contact and consent")
    form.contact(filing)

    expect(form.heading()).to_contain_text("Check your answers")
    review = page.locator("#main-content")
    for answer in (filing.name, filing.city, filing.plates, photo.name, filing.email):
        expect(review).to_contain_text(answer)
    for witness in filing.witnesses:
        expect(review).to_contain_text(witness.name)

    tracking_code, secret = form.send()
    expect(form.heading()).to_contain_text("We have your report")
    assert secret and secret != tracking_code

    report = Report.objects.get(tracking_code=tracking_code)
    assert report.channel == Report.Channel.WEB
    assert report.language == "en"
    assert report.narrative == filing.narrative
    assert [w.name for w in report.witnesses.all()] == [w.name for w in filing.witnesses]
    evidence = report.evidence.get()
    assert evidence.original_name == photo.name
    assert evidence.content_type == "image/png"
    assert evidence.sha256 == hashlib.sha256(photo.read_bytes()).hexdigest()

    form.check_status(tracking_code, secret)
    expect(page.locator("#status-value")).to_have_text("New")
    expect(page.locator("#status-result")).to_contain_text(tracking_code)
    status_page = page.locator("body").inner_text()
    for personal in (*filing.personal_data(), photo.name, report.case.reference):
        assert personal not in status_page, f"the status page shows {personal!r}"


def spanish(text) -> str:
    """`text` as the Spanish pages show it. A missing translation fails here rather than
    letting an English page pass for a Spanish one."""
    with translation.override("en"):
        english = str(text)
    with translation.override("es"):
        translated = str(text)
    assert translated != english, f"no Spanish translation of {english!r}"
    return translated


def test_report_filed_in_spanish_through_the_language_switcher_is_spanish_throughout(
    open_page, photo
):
    page = open_page("/report/", phone=True)
    form = ReportForm(page)
    filing = Filing()
    html = page.locator("html")
    form.start()
    expect(page).to_have_url(re.compile(r"/report/about/$"))

    page.locator("#language-es").click()
    # The switcher brings the person back to the page they were on.
    expect(page).to_have_url(re.compile(r"/report/about/$"))
    expect(form.heading()).to_contain_text("Sobre usted")

    steps = {
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
        expect(html).to_have_attribute("lang", "es")
        expect(form.heading()).to_contain_text(spanish(in_voice(step.title, Voice.FIRST)))
        expect(page.locator("#language-en")).to_have_text("English")
        if step.slug == "review":
            break
        expect(page.locator("#continue-button")).to_have_text("Guardar y continuar")
        steps[step.slug](filing)

    expect(page.locator("#main-content")).to_contain_text(
        spanish(in_voice(ENCOUNTER_KIND_LABELS["boxed-in"], Voice.FIRST))
    )
    expect(page.locator("#submit-button")).to_have_text("Enviar informe")
    tracking_code, secret = form.send()
    expect(html).to_have_attribute("lang", "es")
    expect(form.heading()).to_have_text("Tenemos su informe")
    expect(page.locator("#main-content")).to_contain_text("Código de seguimiento")

    form.check_status(tracking_code, secret)
    expect(form.heading()).to_have_text(f"Su informe {tracking_code}")
    expect(page.locator("#status-value")).to_have_text("Nuevo")

    report = Report.objects.get(tracking_code=tracking_code)
    assert report.language == "es"
    assert report.evidence.count() == 1


def test_report_filed_with_javascript_off_works_end_to_end(open_page, browser_log, photo):
    page = open_page("/report/", javascript=False)
    form = ReportForm(page)
    filing = Filing(
        witnesses=(Witness("Luis Neighbour", "+1 612 555 0111", "I saw it from my porch."),)
    )
    form.start()

    # An error comes back from the server, in the page, and the answers given are kept.
    form.choose("role", "witness")
    form.save_and_continue()
    expect(page.locator("#error-summary")).to_contain_text(
        "Choose whether you want to report anonymously."
    )
    expect(form.field("role", "witness")).to_be_checked()

    form.about(filing)
    form.identity(filing)
    form.what(filing)
    form.when(filing)
    form.who(filing)
    form.why(filing)
    form.witnesses(filing)
    form.evidence(photo)
    form.account(filing)
    form.contact(filing)
    expect(form.heading()).to_contain_text("Check your answers")
    tracking_code, secret = form.send()

    report = Report.objects.get(tracking_code=tracking_code)
    assert report.complainants.get().role == "affected"
    assert report.witnesses.get().name == "Luis Neighbour"
    assert report.evidence.get().original_name == photo.name
    assert set(report.encounter.kinds.values_list("code", flat=True)) == set(filing.kinds)

    form.check_status(tracking_code, secret)
    expect(page.locator("#status-value")).to_have_text("New")
    # Nothing ran: with scripts off the browser never even asks for them.
    assert not [url for url in browser_log.requests if url.endswith(".js")]


def test_filing_a_report_requests_nothing_from_any_other_origin(
    open_page, browser_log, live_server, photo
):
    page = open_page("/report/")
    form = ReportForm(page)
    filing = Filing()
    form.start()
    for fill in (
        form.about, form.identity, form.what, form.when, form.who, form.why, form.witnesses,
    ):
        fill(filing)
    form.evidence(photo)
    form.account(filing)
    form.contact(filing)
    tracking_code, secret = form.send()
    form.check_status(tracking_code, secret)
    page.locator("#language-es").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")

    # The recording works: the design system's styles and fonts came from us.
    assert any("/static/uswds/css/" in url for url in browser_log.requests)
    assert any(url.endswith(".woff2") for url in browser_log.requests)
    assert browser_log.foreign_requests(live_server.url) == []
    # ... and our own Content Security Policy blocked nothing the pages needed.
    assert [e for e in browser_log.console_errors if "Content Security Policy" in e] == []
    assert browser_log.page_errors == []
