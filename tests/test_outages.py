"""A service that is down answers a person on a public page with a calm, translated page and
status 503 with Retry-After, never a server error; what counts as an outage."""

import errno
import re

import botocore.exceptions
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from plumbing.outages import BROKER, DATABASE, STORAGE, unavailable_service
from tests.outages import database_down

LOOKUP = {"tracking_code": "RD-7KQ4-M9XP", "secret": "AAAA-BBBB-CCCC-DDDD"}


def _assert_calm_page(response, heading: str, advice: str, settings) -> str:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)
    html = response.content.decode()
    assert heading in html and advice in html
    # As words: the page's CSRF token is random letters and digits.
    for alarming in ("Error", "Server", "500", "503", "Traceback", "OperationalError"):
        assert not re.search(rf"\b{alarming}\b", html), alarming
    return html


@pytest.mark.django_db
def test_a_status_lookup_with_the_database_down_gets_the_calm_page_in_english(settings):
    with database_down():
        response = Client().post("/report/status/", LOOKUP)
    html = _assert_calm_page(
        response,
        "We could not save this yet",
        "Your answers are kept. Please try again in a minute.",
        settings,
    )
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_a_status_lookup_with_the_database_down_gets_the_calm_page_in_spanish(settings):
    with database_down():
        response = Client(HTTP_ACCEPT_LANGUAGE="es").post("/report/status/", LOOKUP)
    html = _assert_calm_page(
        response,
        "Todavía no pudimos guardar esto",
        "Sus respuestas se conservan. Vuelva a intentarlo en un minuto.",
        settings,
    )
    assert '<html lang="es">' in html


@pytest.mark.django_db
def test_a_person_halfway_through_the_form_gets_the_calm_page_when_the_database_goes(settings):
    # Their answers live in a session in the database, which is read by the page and written
    # again after it: both fail, and neither may turn into a server error.
    session = SessionStore()
    session["started"] = True
    session.save()
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    with database_down():
        response = client.get("/report/")
    _assert_calm_page(
        response,
        "We could not save this yet",
        "Your answers are kept. Please try again in a minute.",
        settings,
    )
    assert SessionStore(session_key=session.session_key).get("started") is True


@pytest.mark.django_db
def test_a_page_whose_broker_is_down_gets_the_calm_page(settings):
    settings.ROOT_URLCONF = "tests.outages"
    response = Client().post("/report/test-failures/broker/")
    _assert_calm_page(
        response,
        "We could not save this yet",
        "Your answers are kept. Please try again in a minute.",
        settings,
    )


def _store_answer(status: int, code: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject"
    )


@pytest.mark.parametrize(
    ("error", "service"),
    [
        (OperationalError("could not connect to server"), DATABASE),
        (InterfaceError("connection already closed"), DATABASE),
        (PermissionError(errno.EACCES, "Permission denied"), STORAGE),
        (OSError(errno.ENOSPC, "No space left on device"), STORAGE),
        (OSError(errno.EROFS, "Read-only file system"), STORAGE),
        (FileNotFoundError(errno.ENOENT, "No such file"), None),
        (ValueError("a bug"), None),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="https://s3.invalid"), STORAGE),
        (botocore.exceptions.ConnectTimeoutError(endpoint_url="https://s3.invalid"), STORAGE),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="https://s3.invalid"), STORAGE),
        (_store_answer(503, "SlowDown"), STORAGE),
        (_store_answer(500, "InternalError"), STORAGE),
        (_store_answer(404, "NoSuchKey"), None),
        (_store_answer(403, "AccessDenied"), None),
    ],
)
def test_what_counts_as_an_outage(error, service):
    assert unavailable_service(error) == service


def test_a_broker_outage_is_found_behind_the_error_that_wraps_it():
    import kombu.exceptions
    import redis.exceptions

    for cause in (
        kombu.exceptions.OperationalError("Error 111 connecting"),
        redis.exceptions.ConnectionError("Error 111 connecting"),
        redis.exceptions.TimeoutError("Timeout reading from socket"),
    ):
        try:
            try:
                raise cause
            except Exception as error:
                raise RuntimeError("sending the acknowledgement failed") from error
        except RuntimeError as wrapped:
            assert unavailable_service(wrapped) == BROKER
