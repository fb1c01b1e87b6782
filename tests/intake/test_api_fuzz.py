"""Property-based tests: hostile and malformed payloads thrown at the public API.

Whatever is sent, the answer is never a server error, and a request that is not answered 201
leaves no report, case or evidence behind. The database transaction of the test is shared by
all examples, so each example compares row counts before and after its own request.
"""

import json
import os
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test.client import BOUNDARY, MULTIPART_CONTENT
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cases.models import Case
from intake.models import Complainant, Encounter, Evidence, Report, Witness

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
STATUS = "/api/v1/reports/status/"

# FUZZ_MAX_EXAMPLES=5000 runs a deeper search locally; CI keeps the quick default.
fuzz = settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def unthrottled(settings):
    settings.INTAKE_SUBMISSION_RATE = "100000/minute"
    settings.INTAKE_STATUS_LOOKUP_RATE = "100000/minute"
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\ud800",
    "\udfff lone surrogate",
    "\u202eevil",
    "\r\n\r\n--boundary--",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE intake_report; --",
    "../../../../etc/passwd",
    "{{ settings.SECRET_KEY }}",
    "%(narrative)s %s %n",
    "${jndi:ldap://example.invalid/a}",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    "9" * 5000,
    "x" * 20_001,
    "\U0001d54f" * 250,
    "\uff42\uff4f\uff58\uff45\uff44\uff0d\uff49\uff4e",  # "boxed-in" in fullwidth letters
    "BOXED-IN",
    "boxed-in ",
    "RD-2222-2222",
    "true",
    "null",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2026-02-30T10:00:00",
    "1970-01-01",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(float),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)

FIELDS = [
    "narrative",
    "language",
    "consent_to_contact",
    "consent_to_share_with_liaison",
    "complainants",
    "complainants.0",
    "complainants.0.role",
    "complainants.0.is_anonymous",
    "complainants.0.name",
    "complainants.0.email",
    "complainants.0.phone",
    "complainants.0.safe_to_contact",
    "complainants.0.preferred_language",
    "complainants.0.race_ethnicity",
    "complainants.0.occupation",
    "encounter",
    "encounter.occurred_at",
    "encounter.occurred_at_is_approximate",
    "encounter.address",
    "encounter.city",
    "encounter.state",
    "encounter.latitude",
    "encounter.longitude",
    "encounter.kinds",
    "encounter.kinds.0",
    "encounter.agencies",
    "encounter.agencies.0",
    "encounter.agent_count",
    "encounter.vehicle_count",
    "encounter.vehicle_description",
    "encounter.plates",
    "encounter.agents_identified",
    "encounter.perceived_basis",
    "encounter.perceived_basis.0",
    "encounter.perceived_basis_other",
    "encounter.injuries",
    "encounter.outcome",
    "witnesses",
    "witnesses.0",
    "witnesses.0.name",
    "witnesses.0.contact",
    "witnesses.0.statement",
    "witnesses.0.willing_to_be_contacted",
    "unexpected",
    "encounter.unexpected",
]
_DELETE = object()


def valid_report() -> dict:
    return {
        "narrative": "They blocked my car with two SUVs and demanded my papers.",
        "language": "en",
        "consent_to_contact": False,
        "consent_to_share_with_liaison": False,
        "complainants": [{"role": "affected", "name": "Ana", "email": "ana@example.org"}],
        "encounter": {
            "occurred_at": (timezone.now() - timedelta(hours=3)).isoformat(),
            "occurred_at_is_approximate": False,
            "address": "Zane Ave N",
            "city": "Brooklyn Park",
            "state": "MN",
            "latitude": 45.09,
            "longitude": -93.35,
            "kinds": ["boxed-in"],
            "agencies": ["ice"],
            "agent_count": 3,
            "vehicle_count": 2,
            "vehicle_description": "",
            "plates": "",
            "agents_identified": "no",
            "perceived_basis": ["race"],
            "perceived_basis_other": "",
            "injuries": "",
            "outcome": "",
        },
        "witnesses": [{"name": "Bo", "willing_to_be_contacted": True}],
    }


def _set(body: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        index = int(last)
        if value is _DELETE:
            del node[index]
        else:
            node[index] = value
    elif not isinstance(node, dict):
        raise TypeError("the parent was replaced by a value that has no fields")
    elif value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value


@st.composite
def mutated_reports(draw) -> dict:
    """A valid report with some fields replaced by anything at all, or removed."""
    body = valid_report()
    changes = draw(
        st.dictionaries(
            st.sampled_from(FIELDS),
            st.one_of(json_values, hostile_text, st.just(_DELETE)),
            max_size=4,
        )
    )
    # Parents first, so a replaced parent is not written through; a change below a parent
    # that is no longer a dict or list is skipped.
    for path in sorted(changes, key=lambda p: p.count(".")):
        try:
            _set(body, path, changes[path])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return body


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Case, Report, Encounter, Complainant, Witness, Evidence)
    )


def check(response, before: tuple[int, ...]) -> None:
    event(f"answered {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    after = counts()
    if response.status_code == 201:
        assert after[:2] == (before[0] + 1, before[1] + 1)
    else:
        assert after == before, response.content[:500]


def as_json(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


@fuzz
@given(body=mutated_reports())
def test_mutated_reports_never_cause_a_server_error_or_a_partial_report(client, body):
    before = counts()
    response = client.post(REPORTS, as_json(body), content_type="application/json")
    check(response, before)


@fuzz
@given(body=json_values)
def test_arbitrary_json_bodies_are_refused_cleanly(client, body):
    before = counts()
    response = client.post(REPORTS, as_json(body), content_type="application/json")
    check(response, before)
    assert response.status_code in (400, 413)


@fuzz
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-16",
            "application/json; charset=bz2_codec",
            "text/plain",
            "",
            "multipart/form-data",
            f"multipart/form-data; boundary={BOUNDARY}",
            "multipart/form-data; boundary=x; charset=rot13",
            "application/x-www-form-urlencoded",
        ]
    ),
)
def test_arbitrary_bytes_are_refused_cleanly(client, body, content_type):
    before = counts()
    response = client.generic("POST", REPORTS, body, content_type=content_type)
    check(response, before)
    assert response.status_code != 201


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )


file_contents = st.one_of(
    st.binary(max_size=200),
    st.just(b""),
    st.just(tiny_png()),
    st.just(b"MZ\x90\x00" + b"\x00" * 60 + b"PE\0\0"),
    st.just(b"\x7fELF\x02\x01\x01" + b"\x00" * 60),
    st.just(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    st.just(b"%PDF-1.4\n%%EOF"),
)
file_names = st.one_of(
    st.sampled_from(
        ["photo.jpg", "a.png", "../../x.png", "x.svg", ".htaccess", "a" * 300, "", "/", 'a"b']
    ),
    st.text(max_size=40),
)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def encode_parts(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    """A multipart body written by hand, so that names the test client would refuse to send
    (empty, with quotes, line breaks or lone surrogates) reach the server anyway."""
    lines = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        lines += [b"--" + BOUNDARY.encode(), b"Content-Disposition: " + _utf8(disposition)]
        if filename is not None:
            lines.append(b"Content-Type: application/octet-stream")
        lines += [b"", content]
    lines += [b"--" + BOUNDARY.encode() + b"--", b""]
    return b"\r\n".join(lines)


@st.composite
def multipart_bodies(draw) -> bytes:
    parts: list[tuple[str, str | None, bytes]] = []
    report_part = draw(
        st.one_of(
            mutated_reports().map(lambda value: json.dumps(value, allow_nan=True)),
            json_values.map(lambda value: json.dumps(value, allow_nan=True)),
            hostile_text,
            st.just(None),
        )
    )
    if report_part is not None:
        as_file = draw(st.booleans())
        parts.append(("report", "report.json" if as_file else None, _utf8(report_part)))
    for name, content in draw(st.lists(st.tuples(file_names, file_contents), max_size=3)):
        parts.append(("evidence", name, content))
    for text in draw(st.lists(hostile_text, max_size=3)):
        parts.append(("evidence_description", None, _utf8(text)))
    if draw(st.booleans()):
        name = draw(st.sampled_from(["extra", "evidence[0]", "report.narrative", "evidence"]))
        parts.append((name, None, b"x"))
    parts = draw(st.permutations(parts))
    body = encode_parts(parts)
    damage = draw(st.sampled_from(["none", "none", "truncate", "splice", "flip"]))
    if damage == "truncate" and body:
        body = body[: draw(st.integers(0, len(body) - 1))]
    elif damage == "splice":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=40)) + body[at:]
    elif damage == "flip" and body:
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] + bytes([body[at] ^ 0xFF]) + body[at + 1 :]
    return body


@fuzz
@given(body=multipart_bodies())
def test_multipart_bodies_never_cause_a_server_error_or_a_partial_report(client, body):
    before = counts()
    response = client.generic("POST", REPORTS, body, content_type=MULTIPART_CONTENT)
    check(response, before)


@fuzz
@given(params=st.dictionaries(st.sampled_from(["tracking_code", "secret", "x"]), hostile_text))
def test_status_lookups_with_hostile_values_never_cause_a_server_error(client, params):
    params = {key: value.encode("utf-8", "replace").decode() for key, value in params.items()}
    by_get = client.get(STATUS, params)
    by_post = client.post(STATUS, as_json(params), content_type="application/json")
    for response in (by_get, by_post):
        assert response.status_code in (400, 404), response.content[:300]


@fuzz
@given(body=json_values)
def test_status_lookup_bodies_never_cause_a_server_error(client, body):
    response = client.post(STATUS, as_json(body), content_type="application/json")
    assert response.status_code in (400, 404), response.content[:300]
