"""Every error under /api/ is JSON in one envelope, {"code", "detail"} (plus "errors" naming bad
fields), whatever refuses the request: an unknown address, a wrong method, body type or answer
type, a rate limit, a bug, an outage. Each status is caused for real, not faked."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from api_tokens.services import create_api_token
from tests.outages import database_down

ENVELOPE = {"code", "detail"}


def _assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert ENVELOPE <= set(body) <= ENVELOPE | {"errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def _legal_token(legal) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {create_api_token(user=legal, name='errors').key}"}


def _unknown_address(client, legal):
    return client.get("/api/v1/no-such-thing/")


def _unknown_address_without_a_slash_posted(client, legal):
    # A POST to a known address missing its slash: never a redirect (which would drop the body)
    # nor Django's error about APPEND_SLASH.
    return client.post("/api/v1/reports", "{}", content_type="application/json")


def _unknown_case(client, legal):
    return client.get("/api/v1/cases/RD-1999-999999/", **_legal_token(legal))


def _wrong_method(client, legal):
    return client.delete("/api/v1/agencies/")


def _wrong_body_type(client, legal):
    return client.post("/api/v1/reports/status/", "code=1", content_type="text/plain")


def _unacceptable_answer_type(client, legal):
    return client.get("/api/v1/agencies/", HTTP_ACCEPT="text/html")


def _unacceptable_format(client, legal):
    return client.get("/api/v1/agencies/", {"format": "xml"})


def _malformed_body(client, legal):
    return client.post("/api/v1/reports/status/", "{", content_type="application/json")


def _too_many_filter_values(client, legal):
    # 41 values where 40 are allowed, even though they repeat one code.
    return client.get("/api/v1/cases/", {"agency": ["ice"] * 41}, **_legal_token(legal))


def _empty_idempotency_key(client, legal):
    # A report that would be filed, with the header sent empty.
    report = {"narrative": "Agents stopped me without saying why.", "encounter": {}}
    return client.post(
        "/api/v1/reports/", report, content_type="application/json", HTTP_IDEMPOTENCY_KEY=""
    )


def _no_credentials(client, legal):
    return client.get("/api/v1/cases/")


def _throttled(client, legal):
    lookup = {"tracking_code": "RD-XXXX-XXXX", "secret": "nothing"}
    client.post("/api/v1/reports/status/", lookup, content_type="application/json")
    return client.post("/api/v1/reports/status/", lookup, content_type="application/json")


STATUSES = [
    (_unknown_address, 404, "not_found"),
    (_unknown_address_without_a_slash_posted, 404, "not_found"),
    (_unknown_case, 404, "not_found"),
    (_wrong_method, 405, "method_not_allowed"),
    (_wrong_body_type, 415, "unsupported_media_type"),
    (_unacceptable_answer_type, 406, "not_acceptable"),
    (_unacceptable_format, 406, "not_acceptable"),
    (_malformed_body, 400, "malformed_request"),
    (_too_many_filter_values, 400, "invalid_parameter"),
    (_empty_idempotency_key, 400, "invalid"),
    (_no_credentials, 401, "not_authenticated"),
    (_throttled, 429, "throttled"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cause", "status", "code"), STATUSES, ids=[cause.__name__ for cause, *_ in STATUSES]
)
def test_refusals_are_json_in_the_envelope(cause, status, code, legal, settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "1/hour"
    cache.clear()
    _assert_envelope(cause(Client(), legal), status, code)


@pytest.mark.django_db
def test_a_throttled_client_is_told_when_to_come_back(settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "1/hour"
    cache.clear()
    lookup = {"tracking_code": "RD-XXXX-XXXX", "secret": "nothing"}
    client = Client()
    client.post("/api/v1/reports/status/", lookup, content_type="application/json")
    response = client.post("/api/v1/reports/status/", lookup, content_type="application/json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600


@pytest.mark.django_db
def test_a_wrong_method_names_the_methods_the_address_takes():
    response = Client().delete("/api/v1/agencies/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_a_bug_under_api_is_a_json_500_that_says_nothing_of_the_bug(settings):
    settings.ROOT_URLCONF = "tests.outages"
    response = Client(raise_request_exception=False).get("/api/v1/test-failures/bug/")
    body = _assert_envelope(response, 500, "server_error")
    assert "bug" not in body["detail"] and "RuntimeError" not in response.content.decode()


@pytest.mark.django_db
def test_a_database_outage_under_api_is_a_503_with_retry_after(settings):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER = 30
    with database_down():
        response = Client().get("/api/v1/agencies/")
    _assert_envelope(response, 503, "service_unavailable")
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_broker_outage_under_api_is_a_503_with_retry_after(settings):
    settings.ROOT_URLCONF = "tests.outages"
    response = Client().post("/api/v1/test-failures/broker/")
    _assert_envelope(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)


@pytest.mark.django_db
def test_an_outage_is_logged_as_a_warning_with_its_class_and_never_the_body(caplog):
    report = '{"narrative": "Marisol Quintanilla-Ortega was boxed in.", "encounter": {}}'
    with caplog.at_level(logging.WARNING, logger="plumbing.outages"), database_down():
        response = Client().post("/api/v1/reports/", report, content_type="application/json")
    assert response.status_code == 503
    outages = [record for record in caplog.records if record.name == "plumbing.outages"]
    assert [record.levelno for record in outages] == [logging.WARNING]
    message = outages[0].getMessage()
    assert "database" in message and "OperationalError" in message
    assert "Marisol" not in caplog.text
    # No host, port or file name of the database either.
    assert "127.0.0.1" not in message and "nonexistent" not in message
