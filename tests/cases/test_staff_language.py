"""A staff member's language is a setting of their account: chosen on My account, applied to the
session at sign-in and on saving (at no query on other pages), and used for their e-mail."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases.audit import send_audit_alert
from cases.models import StaffPreferences
from cases.roles import Role
from cases.services import assign_case
from intake.language import SESSION_KEY
from intake.models import Report
from intake.services import submit_report
from tests.conftest import confirmed_app_device, give_code
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request leaves its language active in the thread; the tests after these ones call
    # services directly and read their messages in English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


ACCOUNT = "/staff/account/"
LANGUAGE = "/staff/account/language/"


def _case():
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _prefer(user, language: str) -> None:
    StaffPreferences.objects.update_or_create(user=user, defaults={"language": language})


# --- Choosing it -------------------------------------------------------------------------------


def test_my_account_offers_each_language_by_its_own_name(client, liaison):
    client.force_login(liaison)
    page = client.get(ACCOUNT).content.decode()
    assert 'id="language-form"' in page
    assert 'value="en"' in page and 'value="es"' in page
    assert ">English</label>" in page and ">Español</label>" in page
    # The language the pages speak now is the one chosen.
    assert re.search(r'value="en"[^>]*checked', page)
    assert not re.search(r'value="es"[^>]*checked', page)


@pytest.mark.parametrize("language", ["fr", "", "EN", "es-MX"])
def test_only_available_languages_are_accepted(client, liaison, language):
    client.force_login(liaison)
    response = client.post(LANGUAGE, {"language": language})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert not StaffPreferences.objects.filter(user=liaison).exists()
    assert client.session.get(SESSION_KEY) is None


def test_the_setting_takes_a_post_only(client, liaison):
    client.force_login(liaison)
    assert client.get(LANGUAGE).status_code == 405


def test_saving_the_setting_switches_the_pages_at_once(client, liaison):
    client.force_login(liaison)
    response = client.post(LANGUAGE, {"language": "es"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:account")
    assert StaffPreferences.objects.get(user=liaison).language == "es"
    assert client.session[SESSION_KEY] == "es"
    page = client.get(ACCOUNT)
    assert page["Content-Language"] == "es"
    text = page.content.decode()
    assert '<h1 id="page-heading">Mi cuenta</h1>' in text
    assert "Su idioma quedó guardado." in text
    assert "Enlace con la policía" in text  # The role, in the header and the details.
    # And back.
    client.post(LANGUAGE, {"language": "en"})
    assert client.get(ACCOUNT)["Content-Language"] == "en"
    assert StaffPreferences.objects.get(user=liaison).language == "en"


def test_the_setting_needs_a_signed_in_account(client):
    response = client.post(LANGUAGE, {"language": "es"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:login"))
    assert not StaffPreferences.objects.exists()


# --- Applying it -------------------------------------------------------------------------------


def test_signing_in_applies_the_stored_language(client, liaison):
    _prefer(liaison, "es")
    confirmed_app_device(liaison)
    # A browser asking for English, and a session that had English chosen on the public pages.
    client.post("/i18n/setlang/", {"language": "en", "next": "/report/"})
    response = client.post(
        reverse("cases:login"),
        {"username": "liaison", "password": "correct horse battery staple"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == "es"
    give_code(client, liaison)
    queue = client.get(reverse("cases:queue"), HTTP_ACCEPT_LANGUAGE="en")
    assert queue["Content-Language"] == "es"


def test_an_account_without_the_setting_keeps_the_sessions_language(client, liaison):
    client.post("/i18n/setlang/", {"language": "es", "next": "/report/"})
    client.force_login(liaison)
    assert client.session[SESSION_KEY] == "es"
    assert client.get(ACCOUNT)["Content-Language"] == "es"


def test_an_account_without_the_setting_speaks_the_browsers_language(client, liaison):
    client.force_login(liaison)
    assert SESSION_KEY not in client.session
    assert client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"
    assert client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


def test_signing_out_forgets_the_language_with_the_session(client, liaison):
    _prefer(liaison, "es")
    client.force_login(liaison)
    client.post(reverse("cases:logout"))
    assert SESSION_KEY not in client.session
    assert client.get(reverse("cases:login"))["Content-Language"] == "en"


def _queue_queries(client) -> int:
    client.get(reverse("cases:queue"))  # permissions and content types cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_setting_costs_no_query_on_the_queue(client, legal):
    for _ in range(3):
        _case()
    client.force_login(legal)
    without = _queue_queries(client)
    client.post(reverse("cases:logout"))
    _prefer(legal, "es")
    client.force_login(legal)
    with_setting = _queue_queries(client)
    assert client.get(reverse("cases:queue"))["Content-Language"] == "es"
    assert with_setting == without


# --- Mail in the recipient's language ----------------------------------------------------------


def test_the_assignment_notice_is_in_the_assignees_language(
    liaison, other_liaison, legal, mailoutbox, django_capture_on_commit_callbacks
):
    _prefer(other_liaison, "es")
    case = _case()
    with django_capture_on_commit_callbacks(execute=True):
        assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    (message,) = mailoutbox
    assert message.to == [other_liaison.email]
    assert message.subject == f"Se le asignó el caso {case.reference}"
    assert f"liaison le asignó el caso {case.reference}." in message.body
    assert "Ábralo después de iniciar sesión:" in message.body
    assert "assigned" not in message.body

    # Someone without the setting still gets it in English.
    other = _case()
    with django_capture_on_commit_callbacks(execute=True):
        assign_case(case=other, assignee=legal, actor=liaison, expected_version=None)
    assert mailoutbox[1].subject == f"Case {other.reference} is assigned to you"


def test_mail_to_all_legal_staff_is_written_in_each_ones_language(legal, mailoutbox):
    colleague = UserFactory(username="legal2", is_staff=True)
    colleague.groups.add(Group.objects.get(name=Role.LEGAL.value))
    _prefer(colleague, "es")
    assert send_audit_alert(lines=["cases_case: 1 row changed"], total=1) == 2
    by_address = {message.to[0]: message for message in mailoutbox}
    assert by_address[legal.email].subject.startswith("The audit check found 1 changed")
    assert by_address[colleague.email].subject.startswith(
        "La verificación de auditoría encontró 1 fila"
    )
    assert "Guarde una copia de la base de datos" in by_address[colleague.email].body
