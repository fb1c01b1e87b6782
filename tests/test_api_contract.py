"""The API does what its OpenAPI schema says: schemathesis generates requests from the schema
served at /api/schema/ (to legal staff, who are described every operation) and runs every check
on every answer: status codes and content types documented, bodies and headers as described,
schema-valid requests accepted and schema-violating ones refused, 405 with `Allow` for methods
an address does not take, no server error. It calls the WSGI application in this process.

The schema cannot state a few rules that span several fields; the operations' descriptions say
them in words, and the hooks below keep generated requests within them, so that any other
refusal of a schema-valid request still fails. The run is deterministic (fixed seed, no example
database) and bounded (MAX_EXAMPLES per operation and phase).
"""

import itertools
from datetime import UTC, date, datetime
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections

from api_tokens.services import create_api_token
from config.wsgi import application
from reports.services import request_document
from tests.factories import png_bytes, report_with_evidence

MAX_EXAMPLES = 25
REPORTS = "/api/v1/reports/"

# Answers a schema-valid request may get: schemathesis' own list, with 412 (see below) and
# without 5xx, which is always a failure here.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]

SETTINGS = {
    "seed": 1,
    "continue-on-failure": True,
    "checks": {
        # The writes to a case require If-Match: without it they answer 428 (RFC 6585), with a
        # version the case no longer has 412. Neither says the request was malformed.
        "missing_required_header": {
            "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
        },
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
    },
    "operations": [
        {
            # These name records and states no schema can list: the user to assign (a case
            # worker), the cases to merge (that exist and are not merged), the next status (one
            # the workflow allows from the case's status now), the report whose person is asked
            # (one of the case's, filed by the public). Their refusals are 400 with the codes
            # each operation documents.
            "include-operation-id": [
                "assign_case", "merge_cases", "transition_case", "ask_reporter",
            ],
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        }
    ],
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "mode": "all",
        # No text takes U+0000 (the API's description says so; PostgreSQL cannot store it).
        "allow-x00": False,
    },
}


# -- Rules that span fields -----------------------------------------------------------------


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.replace(tzinfo=moment.tzinfo or UTC) if moment else None


def _is_positive(case: Any) -> bool:
    return case.meta is None or case.meta.generation.mode.is_positive


def _report_within_rules(report: Any) -> bool:
    if not isinstance(report, dict):
        return True
    encounter = report.get("encounter")
    if isinstance(encounter, dict):
        occurred = _moment(encounter.get("occurred_at"))
        if occurred and occurred > datetime.now(UTC):
            return False  # not in the future
        if (encounter.get("latitude") is None) != (encounter.get("longitude") is None):
            return False  # both coordinates or neither
    identity = ("name", "email", "phone")
    return not any(  # anonymous people give no name or contact
        isinstance(person, dict)
        and person.get("is_anonymous") is True
        and any(person.get(name) for name in identity)
        for person in report.get("complainants") or ()
    )


@schemathesis.hook("filter_case").apply_to(path_regex=r"^/api/v1/(cases|statistics)/$")
def occurred_range_in_order(ctx: Any, case: Any) -> bool:
    """`occurred_to` is not before `occurred_from`."""
    query = case.query if isinstance(case.query, dict) else {}
    start, end = _date(query.get("occurred_from")), _date(query.get("occurred_to"))
    return not (_is_positive(case) and start and end and start > end)


@schemathesis.hook("filter_case").apply_to(method="POST", path=REPORTS)
def report_within_rules(ctx: Any, case: Any) -> bool:
    body = case.body
    if not _is_positive(case) or not isinstance(body, dict):
        return True
    if "report" in body:  # multipart
        descriptions, files = body.get("evidence_description"), body.get("evidence")
        if isinstance(descriptions, list) and len(descriptions) > len(files or ()):
            return False  # no more descriptions than files
        return _report_within_rules(body["report"])
    return _report_within_rules(body)


_keys = itertools.count()


@schemathesis.hook("map_case").apply_to(method="POST", path=REPORTS)
def real_evidence_and_a_new_key(ctx: Any, case: Any) -> Any:
    """Evidence must be a photo, video, recording or PDF, read from its bytes: generated bytes
    are not, so each generated file of a schema-valid request becomes a real (tiny) photo. An
    Idempotency-Key names one report (a client makes a new one for each): generated keys repeat,
    so each schema-valid request gets a key of its own."""
    if not _is_positive(case):
        return case
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("evidence"), list):
        body["evidence"] = [
            png_bytes() if isinstance(item, bytes | str) else item for item in body["evidence"]
        ]
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"contract-test-key-{next(_keys):08d}"
    return case


# -- The run --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def wsgi_calls_keep_the_test_transaction(request):
    """Calls through the WSGI application end with Django's request_finished signal, which
    closes the database connection, and the test's transaction with it; Django's own test
    client disconnects the same receivers."""
    # schemathesis' lazy schema renames the test node through `_nodeid`, which pytest 9 no
    # longer sets.
    request.node._nodeid = request.node.nodeid
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, legal, settings):
    # Rate limits are tested on their own (tests/intake/test_api.py); here they would end the
    # run after a few reports.
    settings.INTAKE_SUBMISSION_RATE = "100000/minute"
    settings.INTAKE_STATUS_LOOKUP_RATE = "100000/minute"
    cache.clear()
    return create_api_token(user=legal, name="contract tests").key


@pytest.fixture
def records(legal, django_capture_on_commit_callbacks):
    """A case with a photo, and a rendered case file of it: the operations on one case, one
    file and one document are called on these (a made-up id would only ever find nothing)."""
    report = report_with_evidence(consent_to_share_with_liaison=True)
    with django_capture_on_commit_callbacks(execute=True):
        document = request_document(case=report.case, kind="case_file", actor=legal)
    return {
        "path.reference": report.case.reference,
        "path.evidence_id": report.evidence.get().pk,
        "path.id": document.pk,
    }


@pytest.fixture
def api_schema(token, records):
    config = schemathesis.Config.from_dict({**SETTINGS, "parameters": records})
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        application,
        config=config,
        headers={"Authorization": f"Token {token}"},
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(
    # The legal staff account and its token are shared by every example on purpose.
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ]
)
def test_api_answers_as_its_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
