"""Staff make, name, see and revoke their own API tokens; the staff API takes them as
`Authorization: Token <key>` until they are revoked or expire."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api_tokens.models import ApiToken, ApiTokenEvent
from api_tokens.services import (
    MAX_ACTIVE_TOKENS_PER_USER,
    ApiTokenError,
    ErrorCode,
    create_api_token,
    revoke_api_token,
)
from plumbing.api_errors import ErrorCode as APIErrorCode

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
PAGE = "/staff/account/tokens/"


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _refused(response, detail_part: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == APIErrorCode.NOT_AUTHENTICATED
    assert detail_part in body["detail"]


# -- Using a token ----------------------------------------------------------------------------


def test_a_token_made_by_a_liaison_opens_the_case_api(liaison):
    issued = create_api_token(user=liaison, name="nightly export")
    response = _api(issued.key).get(CASES)
    assert response.status_code == 200
    assert "results" in response.json()


def test_a_token_opens_the_statistics_and_documents_apis_too(legal):
    key = create_api_token(user=legal, name="figures").key
    assert _api(key).get("/api/v1/statistics/").status_code == 200
    assert _api(key).get("/api/v1/documents/999999/").status_code == 404


def test_a_revoked_token_is_refused_with_the_json_envelope(liaison):
    issued = create_api_token(user=liaison, name="laptop script")
    assert _api(issued.key).get(CASES).status_code == 200
    revoke_api_token(user=liaison, token_id=issued.token.pk)
    _refused(_api(issued.key).get(CASES), "not valid")


def test_an_expired_token_is_refused_saying_that_it_expired(liaison):
    issued = create_api_token(user=liaison, name="old script")
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    _refused(_api(issued.key).get(CASES), "expired")
    # Still on its owner's list, marked expired, until they revoke it.
    assert ApiToken.objects.get(pk=issued.token.pk).has_expired()


def test_a_made_up_or_garbled_key_is_refused_not_an_error(liaison):
    create_api_token(user=liaison, name="real")
    _refused(_api("0" * 64).get(CASES), "not valid")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token caf\xe9")
    _refused(client.get(CASES), "not valid")


def test_the_token_of_a_deactivated_account_is_refused(liaison):
    key = create_api_token(user=liaison, name="script").key
    liaison.is_active = False
    liaison.save()
    assert _api(key).get(CASES).status_code == 401


def test_a_token_whose_owner_lost_the_role_is_refused(liaison):
    key = create_api_token(user=liaison, name="script").key
    liaison.groups.clear()
    response = _api(key).get(CASES)
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_permitted"


def test_tokens_expire_after_the_configured_number_of_days(liaison, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    before = timezone.now()
    token = create_api_token(user=liaison, name="week").token
    assert before + timedelta(days=7) <= token.expiry <= timezone.now() + timedelta(days=7)


def test_the_default_lifetime_is_90_days(liaison):
    token = create_api_token(user=liaison, name="default").token
    assert timedelta(days=89, hours=23) < token.expiry - token.created <= timedelta(days=90)


def test_last_use_is_written_at_most_once_a_minute(liaison):
    issued = create_api_token(user=liaison, name="poller")
    client = _api(issued.key)
    assert issued.token.last_used_at is None

    def token_updates() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CASES).status_code == 200
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("UPDATE") and "api_tokens_apitoken" in q["sql"]
        ]

    assert len(token_updates()) == 1
    first_use = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first_use is not None
    # Used again within the minute: no write at all.
    assert token_updates() == []
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first_use
    # A minute later the next use is written, with one UPDATE.
    ApiToken.objects.filter(pk=issued.token.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    assert len(token_updates()) == 1
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first_use


def test_a_request_with_a_recent_token_reads_it_once_and_writes_nothing(liaison):
    key = create_api_token(user=liaison, name="poller").key
    client = _api(key)
    client.get(CASES)
    with CaptureQueriesContext(connection) as queries:
        client.get(CASES)
    token_queries = [q["sql"] for q in queries.captured_queries if "api_tokens_" in q["sql"]]
    assert len(token_queries) == 1
    assert token_queries[0].startswith("SELECT")


# -- Making and revoking ------------------------------------------------------------------------


def test_the_key_is_stored_only_as_a_digest(liaison):
    issued = create_api_token(user=liaison, name="script")
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key not in (row.digest, row.token_key)
    assert len(issued.key) == 64 and row.token_key == issued.key[:15]


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_an_account_that_does_not_work_on_cases_cannot_make_tokens(request, client, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        create_api_token(user=user, name="script")
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "script"}).status_code == 403
    assert not ApiToken.objects.filter(user=user).exists()


def test_another_users_token_cannot_be_revoked(client, liaison, other_liaison):
    theirs = create_api_token(user=other_liaison, name="theirs")
    with pytest.raises(ApiTokenError) as refused:
        revoke_api_token(user=liaison, token_id=theirs.token.pk)
    assert refused.value.code == ErrorCode.NOT_FOUND
    client.force_login(liaison)
    # The same answer as for an id nobody has.
    assert client.post(f"{PAGE}{theirs.token.pk}/revoke/").status_code == 404
    assert client.post(f"{PAGE}{theirs.token.pk + 1000}/revoke/").status_code == 404
    assert _api(theirs.key).get(CASES).status_code == 200
    assert not ApiTokenEvent.objects.filter(kind=ApiTokenEvent.Kind.REVOKED).exists()


def test_making_and_revoking_are_recorded(liaison):
    issued = create_api_token(user=liaison, name="export")
    revoke_api_token(user=liaison, token_id=issued.token.pk)
    events = list(ApiTokenEvent.objects.order_by("pk"))
    assert [(e.kind, e.token_id, e.token_name, e.user, e.actor) for e in events] == [
        ("created", issued.token.pk, "export", liaison, liaison),
        ("revoked", issued.token.pk, "export", liaison, liaison),
    ]
    assert events[0].expires_at == issued.token.expiry
    with pytest.raises(ValueError):
        events[0].save()


@pytest.mark.parametrize(
    ("name", "code"), [("   ", ErrorCode.NAME_REQUIRED), ("x" * 101, ErrorCode.NAME_TOO_LONG)]
)
def test_a_token_needs_a_name_of_reasonable_length(liaison, name, code):
    with pytest.raises(ApiTokenError) as refused:
        create_api_token(user=liaison, name=name)
    assert refused.value.code == code
    assert not ApiToken.objects.exists()


def test_a_person_holds_a_limited_number_of_live_tokens(liaison):
    tokens = [create_api_token(user=liaison, name=f"t{n}").token for n in range(10)]
    assert len(tokens) == MAX_ACTIVE_TOKENS_PER_USER
    with pytest.raises(ApiTokenError) as refused:
        create_api_token(user=liaison, name="one more")
    assert refused.value.code == ErrorCode.TOO_MANY_TOKENS
    # An expired token no longer counts.
    ApiToken.objects.filter(pk=tokens[0].pk).update(expiry=timezone.now() - timedelta(days=1))
    create_api_token(user=liaison, name="one more")


# -- The page -------------------------------------------------------------------------------------


def test_the_key_is_shown_once_right_after_it_is_made(client, liaison):
    client.force_login(liaison)
    made = client.post(PAGE, {"name": "nightly export"})
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=liaison)
    key = made.context["issued"].key
    assert key in made.content.decode()
    listed = client.get(PAGE)
    page = listed.content.decode()
    assert "nightly export" in page
    assert key not in page
    assert key[:15] not in page and token.digest not in page
    assert _api(key).get(CASES).status_code == 200


def test_the_page_lists_only_my_tokens_with_their_dates(client, liaison, other_liaison):
    mine = create_api_token(user=liaison, name="mine").token
    create_api_token(user=other_liaison, name="someone else's")
    ApiToken.objects.filter(pk=mine.pk).update(last_used_at=timezone.now())
    client.force_login(liaison)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert [t.pk for t in response.context["tokens"]] == [mine.pk]
    page = response.content.decode()
    assert "someone else" not in page
    assert f'id="token-{mine.pk}"' in page
    assert "Never" not in page


def test_revoking_from_the_page_stops_the_token(client, liaison):
    issued = create_api_token(user=liaison, name="laptop")
    client.force_login(liaison)
    response = client.post(f"{PAGE}{issued.token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert "Revoked “laptop”" in response.content.decode()
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()
    assert _api(issued.key).get(CASES).status_code == 401
    assert client.get(f"{PAGE}{issued.token.pk}/revoke/").status_code == 405


def test_a_blank_name_on_the_page_is_refused_clearly(client, liaison):
    client.force_login(liaison)
    response = client.post(PAGE, {"name": "  "})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_signing_in_is_needed_for_the_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_my_account_links_to_the_page(client, liaison):
    client.force_login(liaison)
    assert f'href="{PAGE}" id="link-api-tokens"' in client.get("/staff/account/").content.decode()


def test_when_the_session_may_not_make_a_token_the_page_offers_none(client, liaison, monkeypatch):
    # The seam where a second factor will be asked for.
    monkeypatch.setattr("api_tokens.views.may_create_api_token", lambda user, request: False)
    create_api_token(user=liaison, name="kept")
    client.force_login(liaison)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'id="create-token-form"' not in page.content.decode()
    assert "kept" in page.content.decode()
    assert client.post(PAGE, {"name": "script"}).status_code == 403


# -- Schema and migration -------------------------------------------------------------------------


def test_the_schema_describes_the_token_scheme(client, legal):
    client.force_login(legal)
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "/staff/account/tokens/" in scheme["description"]
    operation = schema["paths"][CASES]["get"]
    assert {"tokenAuth": []} in operation["security"]


def test_the_migration_drops_the_old_plain_tokens(postgres, liaison):
    migration = import_module("api_tokens.migrations.0002_drop_plain_tokens")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES ('plain', %s)", [liaison.pk])
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    with connection.schema_editor() as editor:
        migration.drop_plain_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()


def test_making_a_token_needs_a_session_that_gave_its_second_factor(liaison):
    from django.test import RequestFactory

    from cases.access import may_create_api_token

    request = RequestFactory().get("/staff/account/tokens/")
    request.user = liaison
    liaison.is_verified = lambda: False
    assert may_create_api_token(liaison, request) is False
    liaison.is_verified = lambda: True
    assert may_create_api_token(liaison, request) is True


def test_sending_the_token_form_twice_makes_one_token_and_says_why(client, liaison):
    client.force_login(liaison)
    page = client.get(reverse("api_tokens:tokens"))
    form_key = page.context["form"].initial["form_key"]
    first = client.post(reverse("api_tokens:tokens"), {"name": "export", "form_key": form_key})
    assert first.context["issued"] is not None
    again = client.post(reverse("api_tokens:tokens"), {"name": "export", "form_key": form_key})
    assert again.status_code == 200
    assert again.context["issued"] is None
    assert "already made its token" in again.content.decode()
    assert ApiToken.objects.filter(user=liaison).count() == 1
    # A new page gives a new key, which makes a new token.
    fresh = client.get(reverse("api_tokens:tokens")).context["form"].initial["form_key"]
    assert fresh != form_key
    client.post(reverse("api_tokens:tokens"), {"name": "second", "form_key": fresh})
    assert ApiToken.objects.filter(user=liaison).count() == 2


def test_the_same_form_key_of_another_person_does_not_block_mine(liaison, other_liaison):
    create_api_token(user=other_liaison, name="theirs", form_key="k" * 32)
    assert create_api_token(user=liaison, name="mine", form_key="k" * 32).key
