"""The OpenAPI schema describes the staff API only to the people who work on cases; anonymous
visitors, and accounts that do not work on cases, get the public part only."""

import pytest

from api_tokens.services import create_api_token

pytestmark = pytest.mark.django_db

PUBLIC = {
    "/api/v1/reports/",
    "/api/v1/reports/status/",
    "/api/v1/agencies/",
    "/api/v1/encounter-kinds/",
    "/api/v1/perceived-bases/",
}
# Everything the public may call lives under these: filing and following a report, and the
# reference lists the form offers.
PUBLIC_PREFIXES = (
    "/api/v1/reports/", "/api/v1/agencies/", "/api/v1/encounter-kinds/", "/api/v1/perceived-bases/"
)
STAFF_PREFIXES = ("/api/v1/cases/", "/api/v1/documents/", "/api/v1/statistics/")


def _paths(client, **headers) -> set[str]:
    response = client.get("/api/schema/", {"format": "json"}, **headers)
    assert response.status_code == 200
    return set(response.json()["paths"])


def _staff_paths(paths: set[str]) -> set[str]:
    return {path for path in paths if path.startswith(STAFF_PREFIXES)}


def _is_public(paths: set[str]) -> bool:
    return paths >= PUBLIC and all(path.startswith(PUBLIC_PREFIXES) for path in paths)


def test_anonymous_schema_describes_only_the_public_api(client):
    paths = _paths(client)
    assert _is_public(paths), paths
    assert not _staff_paths(paths)


def test_legal_staff_session_schema_describes_the_staff_api(client, legal):
    client.force_login(legal)
    paths = _paths(client)
    assert "/api/v1/cases/" in paths
    assert "/api/v1/cases/{reference}/" in paths
    assert "/api/v1/statistics/" in paths
    assert paths >= PUBLIC


def test_liaison_session_schema_describes_the_case_api(client, liaison):
    client.force_login(liaison)
    assert "/api/v1/cases/" in _paths(client)


def test_token_schema_describes_the_staff_api_to_legal_staff(client, legal):
    key = create_api_token(user=legal, name="schema").key
    assert "/api/v1/cases/" in _paths(client, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.parametrize("fixture", ["administrator", "no_role_user"])
def test_signed_in_accounts_that_do_not_work_on_cases_get_the_public_schema(
    client, request, fixture
):
    client.force_login(request.getfixturevalue(fixture))
    paths = _paths(client)
    assert _is_public(paths), paths


def test_anonymous_schema_has_no_staff_components(client):
    response = client.get("/api/schema/", {"format": "json"})
    components = set(response.json()["components"]["schemas"])
    assert not {name for name in components if name.startswith(("Case", "Document", "Statist"))}
