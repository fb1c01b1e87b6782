"""A person who reported anonymously comes back two days later on their phone, with only the
tracking code and secret from their receipt: a police liaison has asked them a question. They
sign in, read it, answer it and add a video, and never give an e-mail address; the liaison then
finds the answer and the video on the case page and its timeline. In English and in Spanish,
with and without JavaScript; axe-core on the new pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.roles import Role
from intake.inputs import ComplainantInput
from intake.models import Evidence, Report, ReportMessage
from intake.services import submit_report
from tests.browser.conftest import expect, sign_in_staff
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
QUESTION = "Did the agents say which agency they were from?"
ANSWER = {
    "en": "No. One vest said POLICE, nothing else.",
    "es": "No. Un chaleco decía POLICE, nada más.",
}


def _mp4() -> bytes:
    """The start of a real MP4 file: enough for its type to be read from its bytes."""
    ftyp = b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2mp41"
    mdat = b"mdat" + b"\x00" * 64
    return (len(ftyp) + 4).to_bytes(4, "big") + ftyp + (len(mdat) + 4).to_bytes(4, "big") + mdat


def _anonymous_report(language: str) -> tuple[Report, str]:
    receipt = submit_report(
        submission=ReportSubmissionFactory(
            complainants=(ComplainantInput(role="affected", is_anonymous=True),),
            consent_to_contact=False,
            language=language,
        ),
        channel="web",
    )
    Report.objects.filter(pk=receipt.report.pk).update(
        submitted_at=timezone.now() - timedelta(days=2)
    )
    return receipt.report, receipt.secret


def _liaison_page(open_page, path: str):
    user = UserFactory(username="liaison", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    page = open_page(path, bypass_csp=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_staff(page, "liaison", PASSWORD)
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_returning_reporter_answers_a_question_and_adds_a_video_that_staff_then_see(
    open_page, axe, tmp_path, settings, language, javascript
):
    settings.MEDIA_ROOT = tmp_path / "media"
    report, secret = _anonymous_report(language)
    case = report.case

    # A liaison asks from the case page.
    staff = _liaison_page(open_page, f"/staff/cases/{case.reference}/")
    # The question is one of the less frequent actions beside the case, in a disclosure.
    staff.locator(f"#ask-{report.tracking_code}-details summary").click()
    staff.locator(f"#ask-{report.pk}-form textarea").fill(QUESTION)
    staff.locator(f"#ask-{report.pk}-submit").click()
    expect(staff.locator(f"#messages-{report.tracking_code}")).to_contain_text(QUESTION)
    expect(staff.locator(f"#messages-{report.tracking_code}")).to_contain_text("not seen yet")

    # Two days later, the person, on their phone.
    page = open_page("/report/", phone=True, javascript=javascript, bypass_csp=javascript)
    if language == "es":
        page.locator("#language-es").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("#footer-status-link").click()
    page.locator('#status-form [name="tracking_code"]').fill(report.tracking_code)
    page.locator('#status-form [name="secret"]').fill(secret)
    page.locator("#status-button").click()
    expect(page).to_have_url(re.compile(r"/report/your-report/$"))
    expect(page.locator("#status-value")).to_have_text("Nuevo" if language == "es" else "New")
    question = ReportMessage.objects.get(report=report)
    expect(page.locator(f"#question-{question.pk}")).to_contain_text(QUESTION)
    if javascript:
        axe(page, "the person's report with a question")

    page.locator(f"#answer-form-{question.pk} textarea").fill(ANSWER[language])
    page.locator(f"#answer-button-{question.pk}").click()
    expect(page).to_have_url(re.compile(r"/report/your-report/$"))
    expect(page.locator(f"#question-{question.pk} .rd-answer")).to_contain_text(ANSWER[language])

    page.locator("#add-information-link").click()
    if javascript:
        axe(page, "the page to add to a report")
    page.locator("#add-form textarea[name=body]").fill("I filmed the last minute.")
    page.locator("#add-form input[type=file]").set_input_files(
        files=[{"name": "last-minute.mp4", "mimeType": "video/mp4", "buffer": _mp4()}]
    )
    page.locator("#add-button").click()
    expect(page).to_have_url(re.compile(r"/report/your-report/$"))
    expect(page.locator("#additions")).to_contain_text("last-minute.mp4")
    page.locator("#sign-out-button").click()
    expect(page).to_have_url(re.compile(r"/report/$"))

    # Nothing asked for an address, and none was kept.
    assert not report.complainants.exclude(email="").exists()
    video = Evidence.objects.get(report=report, addition__isnull=False)
    assert video.content_type == "video/mp4"

    # The liaison sees the answer and the video on the case page and its timeline.
    staff.reload()
    expect(staff.locator(f"#messages-{report.tracking_code}")).to_contain_text(ANSWER[language])
    expect(staff.locator(f"#messages-{report.tracking_code}")).to_contain_text("seen")
    expect(staff.locator(f"#additions-{report.tracking_code}")).to_contain_text(
        "I filmed the last minute."
    )
    timeline = staff.locator("#timeline")
    expect(timeline).to_contain_text(
        f"Answer from the person who filed report {report.tracking_code}"
    )
    expect(timeline).to_contain_text(f"Evidence file #{video.pk}")
    expect(timeline).to_contain_text(f"Addition to report {report.tracking_code}")
