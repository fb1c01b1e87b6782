"""Help and safety on the public pages: the urgent help notice and the quick exit on every public
page, driven by settings; the privacy and rights pages; what happens next; the deployment check
for a missing help line; and a form that leaves nothing in the browser but the session cookie."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from config.env import BASE_DIR
from intake.context_processors import safety_context
from intake.models import Report
from intake.services import submit_report
from plumbing import error_pages
from plumbing.outages import DATABASE, outage_response
from tests.conftest import confirmed_app_device, current_code
from tests.factories import ReportSubmissionFactory
from tests.intake.test_web_form import ANSWERS, post_step, receipt_values, url, walk_to_review

pytestmark = pytest.mark.django_db

# Made up for these tests: 555-0100 to 555-0199 are numbers no one can be called on.
TEST_LINE = {"name": "Northside Test Line", "phone": "+1 612-555-0142", "hours": "Nights"}
TEST_LEGAL_HELP = {
    "name": "Test Legal Aid",
    "phone": "612-555-0143",
    "url": "https://legal-aid.example.org/",
}


@pytest.fixture(autouse=True)
def _fresh_cache_and_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def page(client: Client, path: str, language: str = "en") -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 404), (path, response.status_code)
    return response.content.decode()


PUBLIC_PAGES = [
    "/report/",
    "/report/about/",
    "/report/status/",
    "/report/privacy/",
    "/report/your-rights/",
    "/report/no-such-step/",
]


# --- The urgent help notice -----------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_says_call_911_and_lists_the_configured_line(client, settings, path):
    settings.URGENT_HELP_LINES = [TEST_LINE]
    html = page(client, path)
    assert 'href="tel:911"' in html
    assert "Northside Test Line" in html
    assert 'href="tel:+16125550142"' in html
    assert "(Nights)" in html
    assert 'id="quick-exit-link"' in html


def test_a_line_is_shown_in_the_language_of_the_page(client, settings):
    settings.URGENT_HELP_LINES = [
        {
            "name": {"en": "Northside Test Line", "es": "Línea de Prueba del Norte"},
            "phone": "612-555-0142",
            "hours": {"en": "Nights", "es": "Por las noches"},
        }
    ]
    spanish = page(client, "/report/", "es")
    assert "Línea de Prueba del Norte" in spanish
    assert "Por las noches" in spanish
    assert "Northside" not in spanish
    assert "Northside Test Line" in page(client, "/report/", "en")


def test_production_with_no_line_configured_shows_only_911(client, settings):
    settings.DEBUG = False
    settings.URGENT_HELP_LINES = []
    html = page(client, "/report/")
    assert 'href="tel:911"' in html
    assert 'id="urgent-help-lines"' not in html
    assert "555-01" not in html


def test_development_with_no_line_configured_shows_an_example_that_says_it_is_not_real(
    client, settings
):
    settings.DEBUG = True
    settings.URGENT_HELP_LINES = []
    html = page(client, "/report/")
    assert "not a real number" in html
    assert re.search(r'href="tel:612555019\d"', html)


def test_a_line_without_a_phone_is_left_out_and_named_by_the_system_check(client, settings):
    settings.URGENT_HELP_LINES = [{"name": "A line with no number"}, TEST_LINE]
    html = page(client, "/report/")
    assert "A line with no number" not in html
    assert "Northside Test Line" in html
    errors = [m for m in checks.run_checks() if m.id == "intake.E001"]
    assert [m.msg for m in errors] == ["URGENT_HELP_LINES entry 1 needs a name and a phone."]


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "/a-page-of-this-site/", "//elsewhere.example"]
)
def test_an_exit_or_legal_help_address_that_is_not_another_site_is_never_linked(
    client, settings, address
):
    settings.QUICK_EXIT_URL = address
    settings.LEGAL_HELP = {"name": "Test Legal Aid", "phone": "612-555-0142", "url": address}
    html = page(client, "/report/your-rights/")
    assert f'href="{address}"' not in html
    assert 'href="https://www.weather.gov/"' in html
    assert "Test Legal Aid" in html
    errors = [m.msg for m in checks.run_checks() if m.id == "intake.E001"]
    assert errors == [
        "LEGAL_HELP's url must be an absolute http:// or https:// address.",
        "QUICK_EXIT_URL must be an absolute http:// or https:// address of another site.",
    ]


SAFETY_SOURCES = [
    BASE_DIR / "intake" / "safety.py",
    *(BASE_DIR / "templates" / "includes").glob("*.html"),
    *(BASE_DIR / "templates" / "intake").glob("*.html"),
    BASE_DIR / "templates" / "base.html",
]


@pytest.mark.parametrize("source", SAFETY_SOURCES, ids=lambda path: path.name)
def test_no_real_phone_number_is_written_into_the_pages(source: Path):
    # Only 911 and the numbers set aside for fiction (555-0100 to 555-0199) may appear; real
    # lines come from the deployment's settings.
    text = source.read_text(encoding="utf-8")
    numbers = re.findall(r"\(?\b\d{3}\)?[-. ]?\d{3}[-. ]\d{4}\b", text)
    assert [n for n in numbers if not re.search(r"555[-. ]01\d\d$", n)] == []


def test_staff_pages_have_neither_the_help_notice_nor_the_quick_exit(client, settings):
    settings.URGENT_HELP_LINES = [TEST_LINE]
    html = page(client, reverse("cases:login"))
    assert "Northside Test Line" not in html
    assert 'id="quick-exit-link"' not in html
    assert 'id="urgent-help"' not in html


def test_the_error_pages_carry_the_help_notice_and_the_quick_exit(settings):
    settings.URGENT_HELP_LINES = [TEST_LINE]
    settings.QUICK_EXIT_URL = "https://weather.example.org/"
    request = RequestFactory().get("/report/about/")
    request.LANGUAGE_CODE = "en"
    pages = {
        "500": error_pages.server_error(request),
        "503": outage_response(request, DATABASE, ConnectionError()),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert 'href="https://weather.example.org/"' in html, name
        assert "Northside Test Line" in html, name
        assert 'href="tel:911"' in html, name


# --- The quick exit ---------------------------------------------------------------------------


def test_quick_exit_is_a_plain_link_to_the_configured_site_early_in_the_page(client, settings):
    settings.QUICK_EXIT_URL = "https://weather.example.org/today"
    html = page(client, "/report/about/")
    link = re.search(r'<a href="([^"]+)"[^>]*id="quick-exit-link"[^>]*>', html)
    assert link is not None
    assert link.group(1) == "https://weather.example.org/today"
    assert 'rel="nofollow noreferrer"' in link.group(0)
    # Right after the skip link: the first thing a keyboard reaches after it.
    assert html.index("usa-skipnav") < html.index("quick-exit-link") < html.index("site-title")
    # The Shift shortcut exists only with the script, which announces it.
    assert 'id="quick-exit-hint" hidden' in html


def test_the_scripts_keep_nothing_in_the_browser():
    scripts = list((BASE_DIR / "intake" / "static").rglob("*.js"))
    assert scripts
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        for storage in ("localStorage", "sessionStorage", "document.cookie", "indexedDB"):
            assert storage not in text, f"{script.name} uses {storage}"


# --- Who reads a report, privacy and rights ----------------------------------------------------


def test_start_page_says_who_reads_a_report_and_what_we_do_before_the_start_button(
    client, settings
):
    settings.REPORT_RETENTION_YEARS = 3
    html = page(client, "/report/")
    start = html.index('id="start-button"')
    for words in (
        "Our legal staff read everything you send.",
        "A police liaison works for a local police department",
        "We never share reports with immigration authorities",
        "We are not an emergency service",
        "We keep reports for 3 years.",
        reverse("intake:privacy"),
        reverse("intake:rights"),
    ):
        assert -1 < html.find(words) < start, words


@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/report/privacy/", "en", "How we protect your report"),
        ("/report/privacy/", "es", "Cómo protegemos su informe"),
        ("/report/your-rights/", "en", "Your rights if immigration agents stop you"),
        ("/report/your-rights/", "es", "Sus derechos si lo detienen agentes de inmigración"),
    ],
)
def test_privacy_and_rights_pages_answer_in_each_language(client, path, language, heading):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f'<h1 id="page-heading">{heading}</h1>' in html


def test_privacy_page_says_how_long_reports_are_kept_and_that_a_lost_secret_is_lost(
    client, settings
):
    settings.REPORT_RETENTION_YEARS = 1
    html = page(client, "/report/privacy/")
    assert "We keep reports for 1 year." in html
    assert "If you lose the secret, you lose access to your report." in html
    assert "not even us" in html


def test_rights_page_is_general_information_and_names_the_configured_legal_help(
    client, settings
):
    settings.LEGAL_HELP = TEST_LEGAL_HELP
    html = page(client, "/report/your-rights/")
    assert "This is general information, not legal advice." in html
    assert "Test Legal Aid" in html
    assert 'href="tel:6125550143"' in html
    assert 'href="https://legal-aid.example.org/"' in html


def test_rights_page_without_legal_help_names_no_one(client, settings):
    settings.DEBUG = False
    settings.LEGAL_HELP = {}
    html = page(client, "/report/your-rights/")
    assert 'id="legal-help-contact"' not in html
    assert "a legal aid or immigrant-rights organisation near you" in html


# --- What happens next ------------------------------------------------------------------------


def test_receipt_explains_what_happens_next_and_that_a_lost_secret_cannot_be_recovered(
    client, settings
):
    settings.INTAKE_TYPICAL_FIRST_LOOK_DAYS = 4
    walk_to_review(client, photo=False)
    response = client.post(url("review"), {})
    html = response.content.decode()
    assert receipt_values(response)
    assert "We usually read a new report within 4 working days." in html
    assert "If you lose the secret, you lose access to this report." in html
    assert "Nobody can recover it or send you a new one, not even us." in html
    assert re.search(r'class="rd-statuses__item rd-statuses__item--current" id="stage-new"', html)
    assert reverse("intake:rights") in html


@pytest.mark.parametrize("status", ["triaged", "referred", "closed"])
def test_what_happens_next_marks_the_status_it_is_given_and_only_that_one(status):
    request = RequestFactory().get("/report/your-report/")
    with translation.override("en"):
        html = render_to_string(
            "includes/what_happens_next.html",
            {**safety_context(request), "status": status},
        )
    current = re.findall(r'id="stage-(\w+)" aria-current="step"', html)
    assert current == [status]
    for stage in ("new", "triaged", "investigating", "referred", "resolved", "closed"):
        assert f'id="stage-{stage}"' in html
    assert "Your report is here" in html


def test_what_happens_next_without_a_status_marks_none():
    request = RequestFactory().get("/report/")
    html = render_to_string("includes/what_happens_next.html", safety_context(request))
    assert "aria-current" not in html
    assert "Your report is here" not in html


# --- The deployment check ---------------------------------------------------------------------


def deploy_warnings() -> set[str]:
    return {
        message.id
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id and message.id.startswith("intake.")
    }


def test_deployment_check_warns_when_no_help_line_or_legal_help_is_configured(settings):
    settings.URGENT_HELP_LINES = []
    settings.LEGAL_HELP = {}
    assert deploy_warnings() == {"intake.W001", "intake.W002"}
    settings.URGENT_HELP_LINES = [TEST_LINE]
    settings.LEGAL_HELP = TEST_LEGAL_HELP
    assert deploy_warnings() == set()


def test_the_help_checks_are_deployment_checks_only(settings):
    settings.URGENT_HELP_LINES = []
    settings.LEGAL_HELP = {}
    assert not [m for m in checks.run_checks() if m.id in ("intake.W001", "intake.W002")]


# --- Nothing in the browser but the session cookie ----------------------------------------------


def test_walking_the_first_pages_of_the_form_sets_only_the_session_cookie():
    client = Client(enforce_csrf_checks=True)
    set_cookies: set[str] = set()
    html = ""
    for path in ("/report/", "/report/privacy/", "/report/your-rights/", url("about")):
        response = client.get(path)
        set_cookies |= set(response.cookies)
        html = response.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(url("about"), {**ANSWERS["about"], "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    set_cookies |= set(response.cookies)
    response = client.get(response["Location"])
    set_cookies |= set(response.cookies)
    assert set_cookies == {settings.SESSION_COOKIE_NAME}
    assert set(client.cookies) == {settings.SESSION_COOKIE_NAME}


def test_the_csrf_token_lives_in_the_session_and_is_checked():
    client = Client(enforce_csrf_checks=True)
    html = client.get(url("about")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert client.post(url("about"), ANSWERS["about"]).status_code == 403
    assert client.post(url("about"), {**ANSWERS["about"], "csrfmiddlewaretoken": "x" * 64}) \
        .status_code == 403
    response = client.post(url("about"), {**ANSWERS["about"], "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    # Another browser's session does not accept this one's token.
    other = Client(enforce_csrf_checks=True)
    other.get(url("about"))
    assert other.post(url("about"), {**ANSWERS["about"], "csrfmiddlewaretoken": token}) \
        .status_code == 403


def test_staff_sign_in_and_session_api_writes_check_the_csrf_token_kept_in_the_session(legal):
    report = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    case = report.report.case
    device = confirmed_app_device(legal)
    client = APIClient(enforce_csrf_checks=True)
    html = client.get(reverse("cases:login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        reverse("cases:login"),
        {"username": "legal", "password": "correct horse battery staple",
         "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert set(client.cookies) == {settings.SESSION_COOKIE_NAME}
    # The second step, its form carrying the token like every other.
    html = client.get(reverse("cases:verify")).content.decode()
    step_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    code = current_code(device)
    assert client.post(reverse("cases:verify"), {"code": code}).status_code == 403
    verified = client.post(
        reverse("cases:verify"), {"code": code, "csrfmiddlewaretoken": step_token}
    )
    assert verified.status_code == 302
    notes = f"/api/v1/cases/{case.reference}/notes/"
    refused = client.post(notes, {"body": "Called the witness."}, format="json")
    assert refused.status_code == 403
    # Signing in gave the session a new token; any staff page carries it.
    html = client.get(reverse("cases:case", args=[case.reference])).content.decode()
    fresh = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    accepted = client.post(
        notes, {"body": "Called the witness."}, format="json", HTTP_X_CSRFTOKEN=fresh
    )
    assert accepted.status_code == 201, accepted.content
    # Tokens are masked differently on every page, but the old page's secret was rotated.
    assert client.post(
        notes, {"body": "Again."}, format="json", HTTP_X_CSRFTOKEN=token
    ).status_code == 403


def test_the_steps_are_still_never_kept_by_the_browser_cache(client):
    assert post_step(client, "about", ANSWERS["about"]).status_code == 302
    for slug in ("about", "identity", "review"):
        assert "no-store" in client.get(url(slug))["Cache-Control"], slug
