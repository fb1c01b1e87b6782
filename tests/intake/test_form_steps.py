"""The steps of the report form as a person meets them, with the Django test client: the
memorable date and its errors, a step count that does not jump, questions asked in the voice of
the person's role, and leaving a page (Back, another language) without losing what was typed,
or leaving anything in the browser but the session cookie."""

import re
from datetime import date, timedelta
from html import unescape

import filetype
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from intake import drafts, language
from intake.forms import (
    EVIDENCE_ACCEPT,
    STEPS,
    StepForm,
    accepted_by_evidence_rules,
)
from intake.models import Encounter
from intake.public_labels import ENCOUNTER_KIND_LABELS, Voice, Voiced
from tests.intake.test_web_form import (
    ANSWERS,
    WITNESSES,
    date_boxes,
    days_ago,
    post_step,
    tiny_png,
    url,
    walk_to_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


DATE_BOXES = ("occurred_date_day", "occurred_date_month", "occurred_date_year")


def when_with(day: str, month: str, year: str, **extra: str) -> dict[str, str]:
    return {
        **ANSWERS["when"],
        "occurred_date_day": day,
        "occurred_date_month": month,
        "occurred_date_year": year,
        **extra,
    }


def marked_boxes(page: str) -> set[str]:
    """The date boxes drawn with USWDS's error style."""
    marked = set()
    for box in DATE_BOXES:
        tag = re.search(rf'<input[^>]*id="id_{box}"[^>]*>', page).group(0)
        if "usa-input--error" in tag:
            assert 'aria-invalid="true"' in tag
            marked.add(box.removeprefix("occurred_date_"))
    return marked


def summary_links(page: str) -> list[tuple[str, str]]:
    summary = re.search(r'id="error-summary".*?</ul>', page, re.S).group(0)
    return [
        (anchor, unescape(text))
        for anchor, text in re.findall(r'href="#([^"]+)">([^<]+)<', summary)
    ]


# --- The memorable date ------------------------------------------------------------------------

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    ("boxes", "extra", "message", "marked"),
    [
        (("", "", ""), {}, "Enter the date it happened.", {"day", "month", "year"}),
        (("", "1", "2026"), {}, "The date must include a day.", {"day"}),
        (("17", "", "2026"), {}, "The date must include a month.", {"month"}),
        (("17", "1", ""), {}, "The date must include a year.", {"year"}),
        (("", "", "2026"), {}, "The date must include a day and month.", {"day", "month"}),
        (("", "1", ""), {}, "The date must include a day and year.", {"day", "year"}),
        (("17", "", ""), {}, "The date must include a month and year.", {"month", "year"}),
        (("17", "13", "2026"), {}, "Enter a real date.", {"month"}),
        (("0", "1", "2026"), {}, "Enter a real date.", {"day"}),
        (("1x", "1", "2026"), {}, "Enter a real date.", {"day"}),
        (("30", "2", "2024"), {}, "Enter a real date.", {"day", "month"}),
        (("17", "1", "26"), {}, "The year must include 4 numbers.", {"year"}),
        (
            (str(TOMORROW.day), str(TOMORROW.month), str(TOMORROW.year)),
            {},
            "The date must be in the past or today.",
            {"day", "month", "year"},
        ),
        (
            ("31", "12", "1999"),
            {},
            "The date must be after 1 January 2000.",
            {"day", "month", "year"},
        ),
        # Not sure of the exact date: the day may be left out, the month may not.
        (("", "", "2026"), {"approximate": "on"}, "The date must include a month.", {"month"}),
        (("", "3", ""), {"approximate": "on"}, "The date must include a year.", {"year"}),
    ],
)
def test_each_date_error_says_what_to_fix_and_links_to_the_first_box_with_it(
    client, boxes, extra, message, marked
):
    response = post_step(client, "when", when_with(*boxes, **extra))
    assert response.status_code == 200
    page = response.content.decode()
    first = next(part for part in ("day", "month", "year") if part in marked)
    assert (f"id_occurred_date_{first}", message) in summary_links(page)
    assert marked_boxes(page) == marked
    # One message for the date, in its group, read with each box.
    assert page.count(f">{message}<") == 2  # the summary and the group
    assert 'id="id_occurred_date_error"' in page
    assert 'aria-describedby="id_occurred_date_helptext id_occurred_date_error"' in page
    # What was typed stays in the boxes.
    for box, value in zip(DATE_BOXES, boxes, strict=True):
        assert re.search(rf'name="{box}" value="{re.escape(value)}"', page)
    assert (drafts.opened_draft(client.session) or {}).get("answers", {}).get("when") is None


def test_the_date_boxes_follow_the_memorable_date_pattern(client):
    page = client.get(url("when")).content.decode()
    assert 'class="usa-memorable-date"' in page
    assert "For example: 17 1 2026" in page
    for box, length in zip(DATE_BOXES, ("2", "2", "4"), strict=True):
        tag = re.search(rf'<input[^>]*id="id_{box}"[^>]*>', page).group(0)
        assert 'type="text"' in tag and 'inputmode="numeric"' in tag
        assert f'maxlength="{length}"' in tag
    assert 'type="date"' not in page
    # The old "about the time" box is now part of "not sure", in the date's group.
    assert page.count('type="checkbox"') == 1
    assert "I am not sure of the exact date or time" in page


def test_today_is_a_date_it_can_have_happened(client):
    today = when_with(*date_boxes(days_ago(0)).values(), occurred_time="")
    assert post_step(client, "when", today).status_code == 302


def test_the_hint_and_the_errors_are_in_spanish_too(client):
    client.post(reverse("set_language"), {"language": "es", "next": url("when")})
    page = post_step(client, "when", when_with("17", "1", "26")).content.decode()
    assert "Por ejemplo: 17 1 2026" in page
    assert ("id_occurred_date_year", "El año debe tener 4 números.") in summary_links(page)
    assert "No sé la fecha o la hora exactas" in page


def test_not_sure_of_the_day_files_the_first_of_the_month_marked_approximate(client):
    answers = {
        **ANSWERS,
        "when": when_with("", "3", "2025", approximate="on", occurred_time="18:00"),
    }
    walk_to_review(client, answers, photo=False)
    review = client.get(url("review")).content.decode()
    assert "March 2025" in review
    client.post(url("review"), {})

    encounter = Encounter.objects.get()
    assert timezone.localtime(encounter.occurred_at).date() == date(2025, 3, 1)
    assert encounter.occurred_at_is_approximate is True


def test_an_exact_date_and_time_is_not_approximate_and_shows_the_day(client):
    walk_to_review(client, {**ANSWERS, "when": when_with("9", "4", "2025")}, photo=False)
    review = client.get(url("review")).content.decode()
    assert "April 9, 2025" in review
    client.post(url("review"), {})
    encounter = Encounter.objects.get()
    assert timezone.localtime(encounter.occurred_at).date() == date(2025, 4, 9)
    assert encounter.occurred_at_is_approximate is False


def test_a_date_kept_by_the_earlier_single_box_form_still_counts(client):
    """A session of a report started before the date became three boxes."""
    walk_to_review(client, photo=False)
    session = client.session
    kept = drafts.opened_draft(session)
    for box in DATE_BOXES:
        del kept["answers"]["when"][box]
    kept["answers"]["when"]["occurred_date"] = "2025-06-30"
    session[drafts.SESSION_KEY] = kept
    session.save()
    assert client.get(url("review")).status_code == 200
    page = client.get(url("when")).content.decode()
    assert re.search(r'name="occurred_date_day" value="30"', page)
    client.post(url("review"), {})
    assert timezone.localtime(Encounter.objects.get().occurred_at).date() == date(2025, 6, 30)


# --- The step count ----------------------------------------------------------------------------


def step_number(page: str) -> tuple[int, int] | None:
    """(number, total) from the step indicator, or None on a page that is not numbered."""
    number = re.search(r'usa-step-indicator__current-step">(\d+)<', page)
    if number is None:
        return None
    total = int(re.search(r'usa-step-indicator__total-steps">of (\d+)<', page).group(1))
    segments = len(re.findall(r'<li class="usa-step-indicator__segment[ "]', page))
    assert segments == total, "the indicator's segments and the count disagree"
    return int(number.group(1)), total


@pytest.mark.parametrize(
    ("anonymous", "slugs"),
    [
        (
            "no",
            [
                "identity", "what", "when", "who", "why", "witnesses", "evidence", "account",
                "contact",
            ],
        ),
        ("yes", ["what", "when", "who", "why", "witnesses", "evidence", "account"]),
    ],
)  # fmt: skip
def test_the_step_count_is_known_after_the_first_step_and_never_changes(client, anonymous, slugs):
    first = client.get(url("about")).content.decode()
    assert step_number(first) is None
    assert "Before we begin" in first
    post_step(client, "about", {"role": "witness", "anonymous": anonymous})

    seen = []
    for slug in slugs:
        page = client.get(url(slug)).content.decode()
        seen.append(step_number(page))
        if slug in ANSWERS:
            post_step(client, slug, ANSWERS[slug])
        elif slug in ("witnesses", "evidence"):
            post_step(client, slug, {"action": "continue"})
    assert seen == [(number, len(slugs)) for number in range(1, len(slugs) + 1)]
    review = client.get(url("review")).content.decode()
    assert step_number(review) is None
    assert "Check your answers" in review


def test_changing_anonymity_changes_the_count_once(client):
    post_step(client, "about", {"role": "affected", "anonymous": "no"})
    assert step_number(client.get(url("what")).content.decode()) == (2, 9)
    post_step(client, "about", {"role": "affected", "anonymous": "yes"})
    assert step_number(client.get(url("what")).content.decode()) == (1, 7)


# --- The person's voice ------------------------------------------------------------------------

THIRD_PERSON_ROLES = ["witness", "on_behalf", "organisation"]
FIRST_PERSON = re.compile(r"\b(me|my|you were stopped|your race)\b", re.I)


def question_texts(page: str) -> str:
    """The words of labels, legends, hints and headings: what the page asks."""
    texts = re.findall(r"<(?:label|legend|h1|h2)\b[^>]*>(.*?)</(?:label|legend|h1|h2)>", page, re.S)
    texts += re.findall(r'class="usa-hint"[^>]*>(.*?)</', page, re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", text) for text in texts))


@pytest.mark.parametrize("role", THIRD_PERSON_ROLES)
def test_someone_reporting_for_another_person_is_asked_about_them(client, role):
    post_step(client, "about", {"role": role, "anonymous": "yes"})
    pages = {
        slug: question_texts(client.get(url(slug)).content.decode())
        for slug in ("what", "who", "why")
    }
    for slug, words in pages.items():
        assert not FIRST_PERSON.search(words), (slug, FIRST_PERSON.search(words).group(0))
    assert "They stopped the person without saying why" in pages["what"]
    assert "they let the person go" in pages["what"]
    assert "Why do you think they were stopped?" in pages["why"]
    assert "Why you think they were stopped" in pages["why"]
    assert (
        "How would the person affected describe their race or ethnicity, if you know?"
        in (pages["why"])
    )


def test_the_person_it_happened_to_is_asked_about_themselves(client):
    post_step(client, "about", {"role": "affected", "anonymous": "yes"})
    what = question_texts(client.get(url("what")).content.decode())
    why = question_texts(client.get(url("why")).content.decode())
    assert "They stopped me without saying why" in what
    assert "they let you go" in what
    assert "Why do you think you were stopped?" in why
    assert "How would you describe your race or ethnicity?" in why
    assert "the person" not in what + why


def test_the_voice_is_the_same_in_spanish_and_on_the_review_page(client):
    client.post(reverse("set_language"), {"language": "es", "next": url("about")})
    walk_to_review(client, {**ANSWERS, "about": {"role": "witness", "anonymous": "yes"}})
    what = client.get(url("what")).content.decode()
    assert "Rodearon o bloquearon el vehículo de la persona" in what
    assert "Rodearon o bloquearon mi vehículo" not in what
    review = client.get(url("review")).content.decode()
    assert "Por qué cree que detuvieron a la persona" in review
    assert "¿Cómo describiría la persona afectada su raza u origen étnico, si usted lo sabe?" in (
        review
    )
    assert "Rodearon o bloquearon el vehículo de la persona" in review
    assert "le detuvieron" not in review


def every_voiced_text() -> list[Voiced]:
    texts: list[object] = [step.title for step in STEPS]
    texts += list(ENCOUNTER_KIND_LABELS.values())
    for step in STEPS:
        form_class: type[StepForm] = step.form_class
        texts += [legend for legend, _names in form_class.groups]
        for field in form_class.base_fields.values():
            texts += [field.label, field.help_text]
    return [text for text in texts if isinstance(text, Voiced)]


def test_every_text_that_names_the_person_has_both_voices_in_both_languages():
    voiced = every_voiced_text()
    assert len(voiced) >= 15
    for text in voiced:
        for lang in ("en", "es"):
            with translation.override(lang):
                first, third = str(text.for_voice(Voice.FIRST)), str(text.for_voice(Voice.THIRD))
            assert first != third, first
        with translation.override("es"):
            spanish_third = str(text.third)
        with translation.override("en"):
            assert spanish_third != str(text.third), f"no Spanish for {text.third!r}"


# --- Leaving a page: another language, Back ----------------------------------------------------


def test_switching_language_on_a_step_keeps_what_was_typed_even_if_invalid(client):
    post_step(client, "about", ANSWERS["about"])
    typed = {
        **when_with("31", "2", "20"),
        "city": "Duluth",
        "occurred_time": "25:99",
        "approximate": "on",
        "switch_language": "es",
    }
    response = post_step(client, "when", typed)
    assert response.status_code == 302
    assert response["Location"] == url("when")

    page = client.get(url("when")).content.decode()
    assert '<html lang="es">' in page
    assert "Cuándo y dónde" in page
    assert 'name="occurred_date_day" value="31"' in page
    assert 'name="occurred_date_year" value="20"' in page
    assert 'value="Duluth"' in page
    assert 'value="25:99"' in page
    assert re.search(r'<input[^>]*name="approximate"[^>]*checked', page)
    # Not yet an answer: no errors shown, nothing saved.
    assert 'id="error-summary"' not in page
    assert "usa-input--error" not in page
    assert drafts.opened_draft(client.session)["answers"].get("when") is None
    # Nothing in the browser but the session cookie.
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert set(client.cookies) == {settings.SESSION_COOKIE_NAME}
    assert client.session[language.SESSION_KEY] == "es"

    # Saved, it is checked as any answer, and no longer kept aside.
    post_step(client, "when", ANSWERS["when"])
    assert drafts.opened_draft(client.session).get("typed", {}).get("when") is None


def test_back_keeps_what_was_typed_and_goes_to_the_step_before(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])
    response = post_step(
        client,
        "what",
        {"kinds": ["handcuffed", "teleported"], "outcome": "They let me go.", "action": "back"},
    )
    assert response["Location"] == url("identity")
    assert 'value="Ana Example"' in client.get(url("identity")).content.decode()
    page = client.get(url("what")).content.decode()
    assert "They let me go." in page
    assert re.search(r'<input[^>]*value="handcuffed"[^>]*checked', page)
    assert 'id="error-summary"' not in page
    assert drafts.opened_draft(client.session)["answers"].get("what") is None


def test_back_from_the_first_step_goes_to_the_start_page_and_keeps_the_choice(client):
    response = post_step(client, "about", {"role": "witness", "action": "back"})
    assert response["Location"] == reverse("intake:start")
    assert "Continue your report" in client.get(reverse("intake:start")).content.decode()
    page = client.get(url("about")).content.decode()
    assert re.search(r'<input[^>]*value="witness"[^>]*checked', page)


def test_back_from_a_step_changed_from_the_review_page_returns_to_it(client):
    walk_to_review(client, photo=False)
    response = client.post(f"{url('who')}?from=review", {**ANSWERS["who"], "action": "back"})
    assert response["Location"] == url("review")


def test_the_review_page_has_a_back_link_to_the_last_step(client):
    walk_to_review(client, photo=False)
    page = client.get(url("review")).content.decode()
    assert f'href="{url("contact")}" id="back-link"' in page


def test_on_a_step_back_and_the_language_buttons_send_the_steps_form(client):
    page = client.get(url("what")).content.decode()
    back = re.search(r'<button[^>]*id="back-link"[^>]*>', page).group(0)
    assert 'form="step-form"' in back and 'name="action"' in back and 'value="back"' in back
    spanish = re.search(r'<button[^>]*id="language-es"[^>]*>', page).group(0)
    assert 'form="step-form"' in spanish and 'name="switch_language"' in spanish
    # Enter in a field presses the first submit button of the form in the page: the header's
    # hidden one, which saves and continues (on the witnesses step, adds the witness).
    first = re.search(r'<button[^>]*type="submit"[^>]*>', page).group(0)
    assert 'value="continue"' in first and 'form="step-form"' in first
    first = re.search(
        r'<button[^>]*type="submit"[^>]*>', client.get(url("witnesses")).content.decode()
    )
    assert 'value="add"' in first.group(0)
    # The old Back button at the bottom is gone.
    assert page.count('id="back-link"') == 1


def test_leaving_the_witness_step_keeps_the_witness_being_typed(client):
    response = post_step(client, "witnesses", {"name": "Bea Neighbour", "switch_language": "es"})
    assert response["Location"] == url("witnesses")
    assert 'value="Bea Neighbour"' in client.get(url("witnesses")).content.decode()
    post_step(client, "witnesses", {**WITNESSES[0], "action": "add"})
    assert 'value="Bea Neighbour"' not in client.get(url("witnesses")).content.decode()


def test_switching_language_on_the_evidence_step_keeps_the_description_not_the_files(client):
    photo = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
    response = post_step(
        client, "evidence", {"files": [photo], "description": "The SUV", "switch_language": "es"}
    )
    assert response["Location"] == url("evidence")
    assert drafts.opened_draft(client.session)["evidence"] == []
    assert 'value="The SUV"' in client.get(url("evidence")).content.decode()


def test_choosing_anonymity_forgets_identity_typed_but_not_saved(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", {"name": "Ana Example", "action": "back"})
    post_step(client, "about", {"role": "affected", "anonymous": "yes"})
    assert "Ana Example" not in str(dict(client.session))


def test_an_unknown_language_is_refused_and_changes_nothing(client):
    response = post_step(client, "what", {"outcome": "x", "switch_language": "xx"})
    assert response.status_code == 400
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/report/"})
    assert response.status_code == 400
    assert language.SESSION_KEY not in client.session


# --- The switcher on every other page ----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/report/",
        "//evil.example/report/",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switcher_never_sends_anyone_to_another_site(client, target):
    response = client.post(reverse("set_language"), {"language": "es", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:start")


def test_the_switcher_keeps_the_language_in_the_session_and_goes_back(client):
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "/report/status/?x=1"}
    )
    assert response["Location"] == "/report/status/?x=1"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert set(client.cookies) == {settings.SESSION_COOKIE_NAME}
    assert '<html lang="es">' in client.get(reverse("intake:start")).content.decode()


def test_the_browsers_language_counts_until_one_is_chosen_and_a_language_cookie_never():
    browser = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert '<html lang="es">' in browser.get(url("about")).content.decode()
    browser.post(reverse("set_language"), {"language": "en", "next": "/report/"})
    assert '<html lang="en">' in browser.get(url("about")).content.decode()
    stale = Client()
    stale.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert '<html lang="en">' in stale.get(url("about")).content.decode()


def test_staff_pages_switch_language_and_stay_signed_in(client, legal):
    client.force_login(legal)
    queue = reverse("cases:queue")
    response = client.post(reverse("set_language"), {"language": "es", "next": queue})
    assert response["Location"] == queue
    page = client.get(queue)
    assert page.status_code == 200
    assert '<html lang="es">' in page.content.decode()


# --- The evidence step -------------------------------------------------------------------------


def test_the_file_input_offers_what_the_checks_accept_and_says_so(client):
    page = client.get(url("evidence")).content.decode()
    tag = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
    assert f'accept="{EVIDENCE_ACCEPT}"' in tag
    assert "usa-file-input" in tag and "multiple" in tag
    assert "Photos (JPEG, PNG, HEIC…), videos (MP4, MOV…), audio (MP3, M4A…) and PDF." in page
    assert f"Each file can be up to {settings.EVIDENCE_MAX_FILE_BYTES // 2**20} MB" in page
    assert "carry the place where they were taken" in page
    # Every format named, and every type offered, is one the checks of each file accept.
    accepted = [kind for kind in filetype.types if accepted_by_evidence_rules(kind.mime)]
    for name in ("jpg", "png", "heic", "mp4", "mov", "mp3", "m4a", "pdf"):
        assert name in {kind.extension for kind in accepted}, name
    assert not accepted_by_evidence_rules("image/svg+xml")
    assert ".svg" not in EVIDENCE_ACCEPT.split(",")
    # The design system's script, from our own files, on this page only.
    assert "/static/uswds/js/uswds.min.js" in page
    assert "/static/uswds/js/uswds.min.js" not in client.get(url("what")).content.decode()


def test_the_liaison_consent_explains_who_police_liaisons_are(client):
    post_step(client, "about", ANSWERS["about"])
    page = client.get(url("contact")).content.decode()
    assert "Police liaisons are staff of local police departments" in page
    assert 'aria-describedby="id_consent_to_share_with_liaison_helptext"' in page
