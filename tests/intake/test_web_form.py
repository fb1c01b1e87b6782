"""The public report form at /report/, walked with the Django test client as a person would,
with JavaScript off: every step, back and forward, anonymity, evidence, abuse limits, the
receipt and the status lookup."""

import ast
import copy
import gettext
import json
import re
import secrets
import struct
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cases.models import Case
from intake import drafts
from intake.models import Complainant, Encounter, Evidence, Report, Witness
from intake.selectors import report_status
from plumbing.keys import store as key_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache_and_storage(settings, tmp_path):
    """Rate-limit counters live in the cache and uploads in media storage; each test starts
    with neither."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def tiny_png() -> bytes:
    """A real 1x1 PNG, built by hand so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
# A DOS/Windows executable header ("MZ", then the "PE" signature).
WINDOWS_EXE_BYTES = b"MZ\x90\x00\x03" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 64


def url(slug: str) -> str:
    if slug == "review":
        return reverse("intake:review")
    return reverse("intake:step", args=[slug])


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def date_boxes(iso: str) -> dict[str, str]:
    """A date as typed into the day, month and year boxes of the "when" step."""
    year, month, day = iso.split("-")
    return {
        "occurred_date_day": str(int(day)),
        "occurred_date_month": str(int(month)),
        "occurred_date_year": year,
    }


ANSWERS = {
    "about": {"role": "affected", "anonymous": "no"},
    "identity": {"name": "Ana Example", "occupation": "nurse", "preferred_language": "es"},
    "what": {
        "kinds": ["boxed-in", "weapons-drawn", "recording-interfered"],
        "injuries": "",
        "outcome": "They left when I said I was a nurse.",
    },
    "when": {
        **date_boxes(days_ago(2)),
        "occurred_time": "14:30",
        "address": "Brooklyn Blvd and Zane Ave N",
        "city": "Brooklyn Park",
        "state": "MN",
    },
    "who": {
        "agencies": ["ice", "border-patrol"],
        "agent_count": "4",
        "vehicle_count": "2",
        "vehicle_description": "Two black SUVs without markings",
        "plates": "ABC 123",
        "agents_identified": "no",
    },
    "why": {"perceived_basis": ["skin-colour", "accent"], "race_ethnicity": "Somali"},
    "account": {"narrative": "Two unmarked SUVs boxed in my car and agents drew their guns."},
    "contact": {
        "email": "ana@example.org",
        "phone": "+1 612 555 0100",
        "consent_to_contact": "on",
        "safe_to_contact": "on",
    },
}
WITNESSES = [
    {"name": "Bea Neighbour", "contact": "bea@example.org", "statement": "I saw the SUVs."},
    {
        "name": "Carl Driver",
        "contact": "",
        "statement": "I filmed it.",
        "willing_to_be_contacted": "on",
    },
]


def post_step(client: Client, slug: str, data: dict, **extra):
    return client.post(url(slug), data, **extra)


def walk_to_review(client: Client, answers: dict = ANSWERS, *, photo: bool = True) -> None:
    """Answer every step in order, checking that each one leads to the next."""
    order = ["about", "identity", "what", "when", "who", "why"]
    if answers["about"]["anonymous"] == "yes":
        order.remove("identity")
    for slug in order:
        response = post_step(client, slug, answers[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:3000])
    for witness in WITNESSES:
        response = post_step(client, "witnesses", {**witness, "action": "add"})
        assert response.status_code == 302
    assert post_step(client, "witnesses", {"action": "continue"})["Location"] == url("evidence")
    if photo:
        upload = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
        response = post_step(
            client, "evidence", {"files": [upload], "description": "The SUV", "action": "upload"}
        )
        assert response.status_code == 302
    assert post_step(client, "evidence", {"action": "continue"})["Location"] == url("account")
    response = post_step(client, "account", answers["account"])
    if answers["about"]["anonymous"] == "yes":
        assert response["Location"] == url("review")
    else:
        assert response["Location"] == url("contact")
        assert post_step(client, "contact", answers["contact"])["Location"] == url("review")


def receipt_values(response) -> tuple[str, str]:
    html = response.content.decode()
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'id="status-secret">([^<]+)<', html).group(1)
    return code, secret


def row_counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Report.objects.count(),
        Encounter.objects.count(),
        Complainant.objects.count(),
        Witness.objects.count(),
        Evidence.objects.count(),
    )


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- Filing a report ---------------------------------------------------------------------------


def test_full_report_in_english_with_two_witnesses_and_a_photo(
    client, django_capture_on_commit_callbacks
):
    walk_to_review(client)
    review = client.get(url("review"))
    assert review.status_code == 200
    page = review.content.decode()
    for shown in (
        "Ana Example",
        "Bea Neighbour",
        "Carl Driver",
        "door.png",
        "ABC 123",
        "They surrounded or blocked my vehicle",
        "Brooklyn Park",
    ):
        assert shown in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review"), {})
    assert response.status_code == 200
    code, secret = receipt_values(response)

    report = Report.objects.get(tracking_code=code)
    assert report.channel == "web"
    assert report.language == "en"
    assert report.consent_to_contact is True
    assert report.consent_to_share_with_liaison is False
    assert secret not in report.secret_hash
    encounter = report.encounter
    assert set(encounter.kinds.values_list("code", flat=True)) == {
        "boxed-in",
        "weapons-drawn",
        "recording-interfered",
    }
    assert set(encounter.agencies.values_list("code", flat=True)) == {"ice", "border-patrol"}
    bases = set(encounter.perceived_basis.values_list("code", flat=True))
    assert bases == {"skin-colour", "accent"}
    assert encounter.agent_count == 4 and encounter.plates == "ABC 123"
    assert timezone.localtime(encounter.occurred_at).strftime("%H:%M") == "14:30"
    assert encounter.occurred_at_is_approximate is False
    person = report.complainants.get()
    assert (person.name, person.email) == ("Ana Example", "ana@example.org")
    assert person.is_anonymous is False
    assert person.race_ethnicity == "Somali"
    assert [w.name for w in report.witnesses.all()] == ["Bea Neighbour", "Carl Driver"]
    assert [w.willing_to_be_contacted for w in report.witnesses.all()] == [False, True]
    photo = report.evidence.get()
    assert photo.content_type == "image/png"
    assert photo.original_name == "door.png"
    assert photo.description == "The SUV"
    assert report.history.get().history_change_reason == "submitted via web form"

    # The acknowledgement goes out after commit, with the code and never the secret.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert code in mail.outbox[0].body
    assert secret not in mail.outbox[0].body
    # The draft is gone from the session, and so is the pending upload.
    assert drafts.SESSION_KEY not in client.session
    assert not default_storage.listdir(drafts.PENDING_DIR)[1]


def test_full_report_in_spanish_records_the_language_and_answers_in_spanish(
    client, django_capture_on_commit_callbacks
):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/report/"})
    assert response.status_code == 302
    walk_to_review(client)
    review = client.get(url("review"))
    assert "Revise sus respuestas" in review.content.decode()
    assert "Rodearon o bloquearon mi vehículo" in review.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review"), {})
    page = response.content.decode()
    assert "Tenemos su informe" in page
    code, _secret = receipt_values(response)
    report = Report.objects.get(tracking_code=code)
    assert report.language == "es"
    assert report.witnesses.count() == 2
    assert report.evidence.count() == 1
    assert "Recibimos su informe" in mail.outbox[0].subject


def test_receipt_secret_is_shown_once_and_kept_nowhere(client):
    walk_to_review(client, photo=False)
    response = client.post(url("review"), {})
    code, secret = receipt_values(response)
    assert "no-store" in response["Cache-Control"]
    assert secret not in str(dict(client.session))
    assert secret not in Report.objects.get(tracking_code=code).secret_hash
    # Sending again finds no draft: no second report, no second secret.
    again = client.post(url("review"), {})
    assert again.status_code == 302
    assert Report.objects.count() == 1


def test_receipt_offers_no_language_switch_that_would_lose_the_secret(client):
    walk_to_review(client, photo=False)
    receipt = client.post(url("review"), {}).content.decode()
    assert "/i18n/setlang/" not in receipt
    assert "/i18n/setlang/" in client.get(reverse("intake:status")).content.decode()


def test_no_acknowledgement_without_consent_to_contact(client, django_capture_on_commit_callbacks):
    answers = {**ANSWERS, "contact": {"email": "ana@example.org"}}
    walk_to_review(client, answers, photo=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("review"), {})
    assert Report.objects.get().consent_to_contact is False
    assert mail.outbox == []


# --- Moving between steps ----------------------------------------------------------------------


def test_back_and_forward_keep_every_answer(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])
    post_step(client, "what", ANSWERS["what"])
    post_step(client, "when", ANSWERS["when"])

    # Going back shows what was typed, checked boxes still checked.
    page = client.get(url("what")).content.decode()
    assert re.search(r'<input[^>]*value="boxed-in"[^>]*checked', page)
    assert re.search(r'<input[^>]*value="weapons-drawn"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="shots-fired"[^>]*checked', page)
    assert "They left when I said I was a nurse." in page
    page = client.get(url("identity")).content.decode()
    assert 'value="Ana Example"' in page
    # ...and going forward again too.
    page = client.get(url("when")).content.decode()
    for box, value in date_boxes(days_ago(2)).items():
        assert re.search(rf'name="{box}" value="{value}"', page), box
    assert 'value="14:30"' in page
    assert 'value="Brooklyn Park"' in page
    # The Back link of each step leads to the step before it.
    response = post_step(client, "what", {"action": "back"})
    assert response["Location"] == url("identity")


def test_leaving_and_coming_back_in_the_same_session_finds_the_answers(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])
    start = client.get(reverse("intake:start")).content.decode()
    assert "Continue your report" in start
    assert 'value="Ana Example"' in client.get(url("identity")).content.decode()


def test_review_sends_an_unfinished_report_back_to_the_first_missing_step(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])
    response = client.post(url("review"), {})
    assert response.status_code == 302
    assert response["Location"] == url("what")
    assert Report.objects.count() == 0


def test_change_link_from_review_returns_to_review(client):
    walk_to_review(client, photo=False)
    response = client.post(f"{url('who')}?from=review", {**ANSWERS["who"], "plates": "XYZ 999"})
    assert response["Location"] == url("review")
    assert "XYZ 999" in client.get(url("review")).content.decode()


def test_witness_can_be_removed(client):
    for witness in WITNESSES:
        post_step(client, "witnesses", {**witness, "action": "add"})
    post_step(client, "witnesses", {"remove": "0"})
    page = client.get(url("witnesses")).content.decode()
    assert "Bea Neighbour" not in page
    assert "Carl Driver" in page


def test_adding_an_empty_witness_says_what_is_missing(client):
    response = post_step(client, "witnesses", {"action": "add", "name": " "})
    assert response.status_code == 200
    assert "at least the witness" in response.content.decode()
    assert 'href="#id_name"' in response.content.decode()


# --- Anonymity ---------------------------------------------------------------------------------


def test_anonymous_report_asks_no_identity_and_stores_none(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])  # then they change their mind
    response = post_step(client, "about", {"role": "witness", "anonymous": "yes"})
    assert response["Location"] == url("what")
    assert "Ana Example" not in str(dict(client.session))

    # The identifying steps are not asked: they lead straight on.
    assert client.get(url("identity"))["Location"] == url("what")
    assert "id_name" not in client.get(url("what")).content.decode()

    walk_to_review(client, {**ANSWERS, "about": {"role": "witness", "anonymous": "yes"}})
    review = client.get(url("review")).content.decode()
    assert "Ana Example" not in review
    assert "ana@example.org" not in review
    client.post(url("review"), {})

    person = Complainant.objects.get()
    assert person.is_anonymous is True
    assert person.role == "witness"
    assert (person.name, person.email, person.phone, person.occupation) == ("", "", "", "")
    assert Report.objects.get().consent_to_contact is False
    assert Report.objects.get().consent_to_share_with_liaison is False


# --- Validation --------------------------------------------------------------------------------


def test_future_date_is_refused_with_a_message(client):
    response = post_step(client, "when", {**ANSWERS["when"], **date_boxes(days_ago(-1))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The date must be in the past or today." in page
    assert 'href="#id_occurred_date_day"' in page  # the error summary links to the first box
    assert 'aria-invalid="true"' in page
    assert (drafts.opened_draft(client.session) or {}).get("answers", {}).get("when") is None


def test_later_today_is_refused_but_approximate_time_is_kept(client):
    response = post_step(
        client, "when", {**ANSWERS["when"], **date_boxes(days_ago(0)), "occurred_time": "23:59"}
    )
    if timezone.localtime().strftime("%H:%M") < "23:59":
        assert "The time cannot be in the future." in response.content.decode()
    response = post_step(client, "when", {**ANSWERS["when"], "approximate": "on"})
    assert response.status_code == 302
    assert drafts.opened_draft(client.session)["answers"]["when"]["approximate"] is True


def test_unknown_encounter_kind_or_agency_is_refused_by_name(client):
    response = post_step(client, "what", {"kinds": ["boxed-in", "teleported"]})
    assert "“teleported” is not one of the choices." in response.content.decode()
    response = post_step(client, "who", {**ANSWERS["who"], "agencies": ["fbi-x"]})
    assert "“fbi-x” is not one of the choices." in response.content.decode()


def test_missing_required_answers_are_named_in_the_error_summary(client):
    page = post_step(client, "about", {}).content.decode()
    assert "Choose who you are in this report." in page
    assert 'href="#id_role_0"' in page
    assert 'id="error-summary"' in page
    assert page.count("<title>Error:") == 1


def test_executable_named_jpg_is_refused_and_other_answers_are_kept(client):
    post_step(client, "about", ANSWERS["about"])
    post_step(client, "identity", ANSWERS["identity"])
    good = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
    elf = SimpleUploadedFile("photo.jpg", ELF_BYTES, content_type="image/jpeg")
    exe = SimpleUploadedFile("holiday.jpg", WINDOWS_EXE_BYTES, content_type="image/jpeg")
    response = post_step(client, "evidence", {"files": [good, elf, exe], "action": "upload"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "The file “photo.jpg” is not a photo, video, audio recording or PDF." in page
    assert "The file “holiday.jpg” is not a photo, video, audio recording or PDF." in page
    # The good file of the same batch and the earlier answers are kept.
    kept = drafts.opened_draft(client.session)
    assert [entry["original_name"] for entry in kept["evidence"]] == ["door.png"]
    assert kept["answers"]["identity"]["name"] == "Ana Example"
    assert len(default_storage.listdir(drafts.PENDING_DIR)[1]) == 1


def test_pending_uploads_live_outside_the_web_root_and_are_removed_with_the_draft(client):
    upload = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
    post_step(client, "evidence", {"files": [upload], "action": "upload"})
    entry = drafts.opened_draft(client.session)["evidence"][0]
    stored = Path(default_storage.path(entry["stored_name"]))
    assert stored.is_file()
    assert Path(settings.MEDIA_ROOT) in stored.parents
    assert settings.MEDIA_URL is None
    assert stored.name != "door.png"
    client.post(reverse("intake:start-over"))
    assert not stored.exists()
    assert drafts.SESSION_KEY not in client.session


def test_stale_pending_uploads_are_purged(client):
    upload = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
    post_step(client, "evidence", {"files": [upload], "action": "upload"})
    key = uuid.UUID(hex=drafts.opened_draft(client.session)["evidence"][0]["data_key"])
    assert drafts.purge_stale_pending(max_age_seconds=3600) == 0
    assert drafts.purge_stale_pending(max_age_seconds=-1) == 1
    assert key_store.existing_keys([key]) == set()


def test_pending_uploads_are_sealed_with_a_key_of_their_own_destroyed_with_them(client):
    upload = SimpleUploadedFile("door.png", tiny_png(), content_type="image/png")
    post_step(client, "evidence", {"files": [upload], "action": "upload"})
    entry = drafts.opened_draft(client.session)["evidence"][0]
    stored = Path(default_storage.path(entry["stored_name"])).read_bytes()
    assert tiny_png()[:16] not in stored
    with drafts.open_pending(entry) as opened:
        assert opened.size == len(tiny_png())
        assert opened.read() == tiny_png()
    key = uuid.UUID(hex=entry["data_key"])
    assert key_store.existing_keys([key]) == {key}

    client.post(reverse("intake:start-over"))

    assert key_store.existing_keys([key]) == set()


# --- Abuse -------------------------------------------------------------------------------------


def test_honeypot_refuses_without_writing_rows(client):
    walk_to_review(client, photo=False)
    before = row_counts()
    response = client.post(url("review"), {"website": "http://spam.example"})
    assert response.status_code == 400
    assert row_counts() == before == (0, 0, 0, 0, 0, 0)
    # A step with the honeypot filled keeps nothing either.
    response = post_step(client, "account", {"narrative": "spam", "website": "x"})
    assert response.status_code == 400
    assert drafts.opened_draft(client.session)["answers"]["account"] == ANSWERS["account"]


def test_submission_rate_limit_refuses_without_writing_rows(client, settings):
    settings.INTAKE_SUBMISSION_RATE = "2/hour"
    for _attempt in range(2):
        walk_to_review(client, photo=False)
        assert client.post(url("review"), {}).status_code == 200
    walk_to_review(client, photo=False)
    before = row_counts()
    response = client.post(url("review"), {})
    assert response.status_code == 429
    assert row_counts() == before
    assert Report.objects.count() == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.9")
    walk_to_review(other, photo=False)
    assert other.post(url("review"), {}).status_code == 200


def test_forms_without_a_csrf_token_are_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("about"), ANSWERS["about"])
    assert response.status_code == 403
    assert "This page has expired" in response.content.decode()


# --- Status lookup -----------------------------------------------------------------------------


def _filed(client: Client) -> tuple[str, str]:
    walk_to_review(client, photo=False)
    return receipt_values(client.post(url("review"), {}))


def test_status_lookup_with_the_right_code_and_secret_shows_only_status(client):
    code, secret = _filed(client)
    response = client.post(
        reverse("intake:status"), {"tracking_code": code.lower(), "secret": secret}, follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("intake:your-report"), 302)]
    assert response.status_code == 200
    assert 'id="status-value">New<' in page
    for private in ("Ana Example", "ana@example.org", "Brooklyn", "Bea Neighbour", "RD-20"):
        assert private not in page
    assert report_status(tracking_code=code, secret=secret) is not None


def test_status_lookup_answers_wrong_code_and_wrong_secret_identically(client):
    code, secret = _filed(client)
    status_url = reverse("intake:status")
    wrong_secret = client.post(status_url, {"tracking_code": code, "secret": "AAAA-BBBB-CCCC-DDDD"})
    wrong_code = client.post(status_url, {"tracking_code": "RD-2222-3333", "secret": secret})
    assert wrong_secret.status_code == wrong_code.status_code == 200
    assert without_csrf(wrong_secret.content.decode()) == without_csrf(wrong_code.content.decode())
    assert 'id="status-not-found"' in wrong_code.content.decode()
    assert code not in wrong_secret.content.decode()


def test_status_lookup_is_rate_limited(client, settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "3/hour"
    status_url = reverse("intake:status")
    for _attempt in range(3):
        response = client.post(status_url, {"tracking_code": "RD-2222-3333", "secret": "X"})
        assert response.status_code == 200
    code, secret = "RD-2222-3333", "AAAA-BBBB-CCCC-DDDD"
    response = client.post(status_url, {"tracking_code": code, "secret": secret})
    assert response.status_code == 429


def test_rate_limit_ignores_a_forged_forwarded_for_header(client, settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "1/hour"
    status_url = reverse("intake:status")
    data = {"tracking_code": "RD-2222-3333", "secret": "X"}
    assert client.post(status_url, data, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.post(status_url, data, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


# --- Headers, languages and markup -------------------------------------------------------------


def test_content_security_policy_allows_no_inline_code_and_no_other_origin(client):
    for page in (reverse("intake:start"), url("about"), reverse("intake:status")):
        policy = client.get(page)["Content-Security-Policy"]
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "http" not in policy


def test_pages_load_nothing_from_another_origin_and_have_no_inline_script(client):
    for page in (reverse("intake:start"), url("about"), url("when"), reverse("intake:status")):
        html = client.get(page).content.decode()
        # Links may lead elsewhere (the quick exit does); nothing is loaded from elsewhere.
        assert not re.search(r'(src=|<link[^>]*href=)"(https?:)?//', html)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html
        assert "/static/uswds/css/uswds.min.css" in html


def test_spanish_page_renders_in_spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": url("about")})
    page = client.get(url("about")).content.decode()
    assert '<html lang="es">' in page
    assert "¿Quién es usted en este informe?" in page
    assert "Sí, informar de forma anónima" in page
    assert "Guardar y continuar" in page
    assert 'id="language-en"' in page
    page = client.get(url("what")).content.decode()
    assert "Apuntaron o sacaron armas" in page
    errors = post_step(client, "when", {**ANSWERS["when"], **date_boxes(days_ago(-3))})
    assert "La fecha debe ser hoy o una fecha pasada." in errors.content.decode()


def test_every_page_has_a_language_switcher_and_labelled_controls(client):
    walk_to_review(client, photo=False)
    slugs = [
        "about",
        "identity",
        "what",
        "when",
        "who",
        "why",
        "witnesses",
        "evidence",
        "account",
        "contact",
        "review",
    ]
    for slug in slugs:
        html = client.get(url(slug)).content.decode()
        assert 'id="language-switcher"' in html, slug
        assert 'id="page-heading"' in html, slug
        for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{control_id}"' in html, (slug, control_id)
    for page in (reverse("intake:start"), reverse("intake:status")):
        assert 'id="language-switcher"' in client.get(page).content.decode()


def _po_entries(path: Path) -> list[tuple[dict[str, str], bool]]:
    """(fields, fuzzy) for each entry of a .po file: msgid, msgstr, msgctxt, ..."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries.append((fields, "#, fuzzy" in block))
    return entries


def test_spanish_translation_is_complete_and_compiled():
    folder = Path(settings.BASE_DIR, "config", "locale", "es", "LC_MESSAGES")
    entries = _po_entries(folder / "django.po")
    assert len(entries) > 200
    assert [fields["msgid"] for fields, fuzzy in entries if fuzzy] == []
    untranslated = [
        fields["msgid"]
        for fields, _fuzzy in entries
        if not all(value for key, value in fields.items() if key.startswith("msgstr"))
    ]
    assert untranslated == []
    # The committed .mo (read at run time, so no gettext tools are needed) matches the .po.
    with (folder / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for fields, _fuzzy in entries:
        if "msgid_plural" in fields:
            continue
        key = fields["msgid"]
        if "msgctxt" in fields:
            key = f"{fields['msgctxt']}\x04{key}"
        assert catalog._catalog.get(key) == fields["msgstr"], fields["msgid"]


# --- Hostile input (property-based) ------------------------------------------------------------

# Text of every kind a person or a bot can send, except lone surrogates (which no client can
# encode); plus values aimed at the parsers: odd dates and numbers, huge and empty strings.
_ODD_VALUES = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "0",
        "-1",
        "1e309",
        "NaN",
        "99999999999999999999",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "31/12/2025",
        "25:61",
        "on",
        "off",
        "yes",
        "true",
        "<script>alert(1)</script>",
        "'; DROP TABLE intake_report; --",
        "x" * 30000,
        "RD-2222-3333",
        "boxed-in",
        "ice",
        "../../etc/passwd",
        "\u202e\ufeff",
        "日本語",
    ]
)
_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
_VALUE = st.one_of(_TEXT, _ODD_VALUES, st.lists(st.one_of(_TEXT, _ODD_VALUES), max_size=5))
_STEP_FIELDS = {
    "about": ["role", "anonymous"],
    "identity": ["name", "occupation", "preferred_language"],
    "what": ["kinds", "injuries", "outcome"],
    "when": [
        "occurred_date_day",
        "occurred_date_month",
        "occurred_date_year",
        "occurred_time",
        "approximate",
        "address",
        "city",
        "state",
        "action",
        "switch_language",
    ],
    "who": [
        "agencies",
        "agent_count",
        "vehicle_count",
        "vehicle_description",
        "plates",
        "agents_identified",
    ],
    "why": ["perceived_basis", "perceived_basis_other", "race_ethnicity"],
    "witnesses": ["name", "contact", "statement", "willing_to_be_contacted", "action", "remove"],
    "evidence": ["description", "action", "remove"],
    "account": ["narrative"],
    "contact": [
        "email",
        "phone",
        "consent_to_contact",
        "safe_to_contact",
        "consent_to_share_with_liaison",
    ],
}
_FUZZ = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _hostile_post(slug: str):
    fields = _STEP_FIELDS[slug]
    known = st.dictionaries(st.sampled_from(fields), _VALUE, max_size=len(fields))
    extra = st.dictionaries(_TEXT.filter(bool), _VALUE, max_size=3)
    return st.tuples(known, extra).map(lambda parts: {**parts[1], **parts[0]})


def _assert_no_partial_report() -> None:
    reports = Report.objects.count()
    assert Case.objects.count() == Encounter.objects.count() == reports
    assert Complainant.objects.count() == reports


@pytest.mark.parametrize("slug", list(_STEP_FIELDS))
def test_hostile_posts_to_any_step_never_fail_and_never_write(slug, settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "100000/hour"

    @_FUZZ
    @given(data=_hostile_post(slug))
    def run(data):
        client = Client()
        response = client.post(url(slug), data)
        assert response.status_code < 500
        assert Report.objects.count() == 0

    run()


def test_hostile_answer_before_submit_gives_a_whole_report_or_none(settings):
    settings.INTAKE_SUBMISSION_RATE = "100000/hour"
    walked = Client()
    walk_to_review(walked, photo=False)
    answers = dict(drafts.opened_draft(walked.session))

    @_FUZZ
    @given(slug=st.sampled_from(["about", "what", "when", "who", "why", "account"]), data=st.data())
    def run(slug, data):
        client = Client()
        session = client.session
        # Each client its own draft: one draft is one report, however often it is sent.
        session[drafts.SESSION_KEY] = {**copy.deepcopy(answers), "id": secrets.token_urlsafe()}
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        response = client.post(url(slug), data.draw(_hostile_post(slug)))
        assert response.status_code < 500
        response = client.post(url("review"), {})
        assert response.status_code < 500
        _assert_no_partial_report()

    run()
    # The hostile answers did not stop every submission: the property was really exercised.
    assert Report.objects.count() > 0


@_FUZZ
@given(code=st.one_of(_TEXT, _ODD_VALUES), secret=st.one_of(_TEXT, _ODD_VALUES))
def test_hostile_status_lookups_never_fail_and_never_reveal(code, secret):
    cache.clear()
    response = Client().post(reverse("intake:status"), {"tracking_code": code, "secret": secret})
    assert response.status_code < 500
    assert 'id="status-value"' not in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n',
        b"not multipart at all",
        b'--xyz\r\nContent-Disposition: form-data; name="narrative"\r\n\r\nabc\r\n--x',
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_multipart_is_a_clear_400_and_writes_nothing(client, body):
    for slug in ("evidence", "account"):
        response = client.generic(
            "POST", url(slug), body, content_type="multipart/form-data; boundary=xyz"
        )
        assert response.status_code in (200, 302, 400)
    response = client.generic(
        "POST", url("review"), b"--", content_type="multipart/form-data; boundary="
    )
    assert response.status_code < 500
    assert row_counts() == (0, 0, 0, 0, 0, 0)


def test_oversized_text_is_refused_with_a_message(client):
    response = post_step(client, "account", {"narrative": "x" * 20001})
    assert response.status_code == 200
    assert "at most 20000 characters" in response.content.decode()
    response = post_step(client, "who", {**ANSWERS["who"], "agent_count": "12345"})
    assert "Enter a number of 500 or less." in response.content.decode()


def test_a_draft_in_progress_is_sealed_in_the_session_table_and_its_key_goes_with_it(client):
    walk_to_review(client, photo=False)
    stored = Session.objects.get(session_key=client.session.session_key)
    kept = json.dumps(stored.get_decoded())
    for typed in ("Ana Example", "nurse", "boxed in my car", "Bea Neighbour", "bea@example.org"):
        assert typed not in kept
    # The page reads it back whole.
    assert "Ana Example" in client.get(url("review")).content.decode()
    key = uuid.UUID(hex=client.session[drafts.SESSION_KEY]["key"])
    assert key_store.existing_keys([key]) == {key}

    client.post(reverse("intake:start-over"))
    assert key_store.existing_keys([key]) == set()
