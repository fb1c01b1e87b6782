"""Passkeys and security keys as a second factor: added only from a session that gave one,
used after the password like a code (and failing like a wrong one), listed and removed on the
sign-in-methods page, every change in the access log, gone with an administrator's reset."""

import json
import secrets

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import checks
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accesslog.models import AccessKind, AccessLogEntry
from cases import passkey_views, two_factor
from tests.conftest import confirmed_app_device, current_code, sign_in_without_second_factor
from tests.factories import UserFactory
from tests.passkey_authenticator import SoftPasskey, b64url

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
REGISTRATION_BEGIN = "/staff/webauthn/registration/begin/"
REGISTRATION_COMPLETE = "/staff/webauthn/registration/complete/"
AUTHENTICATION_BEGIN = "/staff/webauthn/authentication/begin/"
AUTHENTICATION_COMPLETE = "/staff/webauthn/authentication/complete/"
QUERIES = 7


def _post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def add_passkey(client) -> tuple[SoftPasskey, WebAuthnCredential]:
    """Add a passkey through the endpoints, as the browser's script does."""
    passkey = SoftPasskey()
    options = _post_json(client, REGISTRATION_BEGIN)
    assert options.status_code == 200, options.content
    done = _post_json(client, REGISTRATION_COMPLETE, passkey.register(options.json()))
    assert done.status_code == 200, done.content
    return passkey, WebAuthnCredential.objects.get(pk=done.json()["id"])


def sign_in_with_passkey(client, passkey: SoftPasskey, *, tamper: bool = False, next_url=""):
    options = _post_json(client, AUTHENTICATION_BEGIN)
    assert options.status_code == 200, options.content
    url = f"{AUTHENTICATION_COMPLETE}?next={next_url}" if next_url else AUTHENTICATION_COMPLETE
    return _post_json(client, url, passkey.sign_in(options.json(), tamper=tamper))


def stored_passkey(user, name="Passkey 1") -> WebAuthnCredential:
    """A passkey row as the library stores one, for tests that never use it to sign in."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=secrets.token_bytes(32),
        public_key=secrets.token_bytes(77),
        confirmed=True,
    )


def verify_session_with(client, device) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def log_rows(kind: AccessKind, device) -> int:
    return AccessLogEntry.objects.filter(kind=kind, object_id=str(device.pk)).count()


# --- Adding a passkey --------------------------------------------------------------------------


def test_a_password_only_session_of_an_account_with_an_app_cannot_begin_adding_a_passkey(
    client, liaison
):
    confirmed_app_device(liaison)
    sign_in_without_second_factor(client, liaison)
    response = _post_json(client, REGISTRATION_BEGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:verify"))
    assert "otp_webauthn_register_state" not in client.session
    passkey = SoftPasskey()
    fake_options = {"challenge": b64url(b"x" * 32), "user": {"id": b64url(b"u")}}
    response = _post_json(client, REGISTRATION_COMPLETE, passkey.register(fake_options))
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.exists()
    assert not AccessLogEntry.objects.filter(kind=AccessKind.SECOND_FACTOR_ADDED).exists()


def test_an_account_still_enrolling_adds_its_app_before_any_passkey(client, liaison):
    sign_in_without_second_factor(client, liaison)
    response = _post_json(client, REGISTRATION_BEGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:enrol"))
    response = client.get(reverse("cases:enrol-passkey"))
    assert response["Location"].startswith(reverse("cases:verify"))
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.parametrize("has_app", [True, False], ids=["enrolled", "not-enrolled"])
@pytest.mark.parametrize(
    "view", [passkey_views.BeginRegistration, passkey_views.CompleteRegistration]
)
def test_the_registration_endpoints_themselves_refuse_a_session_without_a_second_factor(
    liaison, has_app, view
):
    # Behind the middleware, the views ask again: the library alone would let an account with
    # no device register a passkey after its password only.
    if has_app:
        confirmed_app_device(liaison)
    request = RequestFactory().post("/", "{}", content_type="application/json")
    request.user = liaison
    liaison.is_verified = lambda: False
    response = view.as_view()(request)
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "user_not_verified"


def test_a_verified_session_adds_passkeys_each_recorded_in_the_access_log(client, liaison):
    client.force_login(liaison)
    options = _post_json(client, REGISTRATION_BEGIN).json()
    assert options["rp"] == {"id": "localhost", "name": "Rights Desk"}
    _, first = add_passkey(client)
    _, second = add_passkey(client)
    assert (first.user, first.name, second.name) == (liaison, "Passkey 1", "Passkey 2")
    assert log_rows(AccessKind.SECOND_FACTOR_ADDED, first) == 1
    assert log_rows(AccessKind.SECOND_FACTOR_ADDED, second) == 1
    row = AccessLogEntry.objects.filter(kind=AccessKind.SECOND_FACTOR_ADDED).first()
    assert row.user == liaison and row.path == REGISTRATION_COMPLETE


# --- Signing in with a passkey -------------------------------------------------------------------


def test_the_sign_in_endpoints_are_open_to_a_password_only_session_but_registration_is_not(
    client, liaison
):
    confirmed_app_device(liaison)
    stored = stored_passkey(liaison)
    sign_in_without_second_factor(client, liaison)
    options = _post_json(client, AUTHENTICATION_BEGIN)
    assert options.status_code == 200
    assert [c["id"] for c in options.json()["allowCredentials"]] == [
        b64url(bytes(stored.credential_id))
    ]
    assert client.get("/staff/webauthn/jsi18n/").status_code == 200
    assert _post_json(client, REGISTRATION_BEGIN).status_code == 302
    assert client.get(reverse("cases:queue")).status_code == 302


def test_a_passkey_after_the_password_signs_in_as_a_code_does(client, liaison):
    client.force_login(liaison)
    passkey, credential = add_passkey(client)
    client.post(reverse("cases:logout"))

    client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    assert client.get(reverse("cases:queue")).status_code == 302
    response = sign_in_with_passkey(client, passkey, next_url="/staff/cases/?mine=1")
    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/staff/cases/?mine=1"
    assert client.get(reverse("cases:queue")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == credential.persistent_id
    credential.refresh_from_db()
    assert credential.last_used_at is not None


def test_a_passkey_sign_in_never_redirects_to_another_site(client, liaison):
    client.force_login(liaison)
    passkey, _ = add_passkey(client)
    client.post(reverse("cases:logout"))
    sign_in_without_second_factor(client, liaison)
    response = sign_in_with_passkey(client, passkey, next_url="https://evil.example/")
    assert response.json()["redirect_url"] == reverse("cases:queue")


def test_another_accounts_passkey_does_not_sign_in(client, liaison, other_liaison):
    client.force_login(other_liaison)
    theirs, _ = add_passkey(client)
    client.post(reverse("cases:logout"))
    confirmed_app_device(liaison)
    sign_in_without_second_factor(client, liaison)
    response = sign_in_with_passkey(client, theirs)
    assert response.status_code == 403
    assert client.get(reverse("cases:queue")).status_code == 302


def test_a_passkey_alone_signs_nobody_in(client, liaison):
    client.force_login(liaison)
    passkey, _ = add_passkey(client)
    client.post(reverse("cases:logout"))
    response = _post_json(client, AUTHENTICATION_BEGIN)
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"
    response = _post_json(client, AUTHENTICATION_COMPLETE, passkey.sign_in({"challenge": "x"}))
    assert response.status_code == 403
    assert not client.session.get("_auth_user_id")


def test_failed_passkey_attempts_count_toward_the_same_lockout_as_wrong_codes(client, liaison):
    other = type(client)()
    other.force_login(liaison)
    passkey, _ = add_passkey(other)

    client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in_with_passkey(client, passkey, tamper=True)
        assert response.status_code == 422
    response = sign_in_with_passkey(client, passkey, tamper=True)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    # The session ended with the lockout, and the password is refused too now.
    assert not client.session.get("_auth_user_id")
    response = client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    assert response.status_code == 429


def test_the_code_page_offers_a_passkey_only_to_accounts_that_have_one(client, liaison):
    confirmed_app_device(liaison)
    sign_in_without_second_factor(client, liaison)
    page = client.get(reverse("cases:verify")).content.decode()
    assert "passkey-verification-button" not in page
    assert 'id="verify-form"' in page

    stored_passkey(liaison)
    page = client.get(reverse("cases:verify")).content.decode()
    assert "Use a passkey or security key" in page
    assert 'id="verify-form"' in page  # the code form stays, for a browser without scripts
    assert "/static/django_otp_webauthn/otp_webauthn_auth.js" in page


# --- The sign-in-methods page ----------------------------------------------------------------


def test_the_sign_in_methods_page_lists_the_app_each_passkey_and_the_codes_left(client, liaison):
    client.force_login(liaison)
    two_factor.replace_recovery_codes(user=liaison)
    stored_passkey(liaison, "Passkey 1")
    stored_passkey(liaison, "Office key")
    response = client.get(reverse("cases:sign-in-methods"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="app-status"' in page and "Added" in page
    assert "Passkey 1" in page and "Office key" in page
    assert "You have 10 unused recovery codes." in page
    assert "passkey-register-button" in page
    assert "/static/django_otp_webauthn/otp_webauthn_register.js" in page


@pytest.mark.parametrize("passkey_count", [1, 3])
def test_the_sign_in_methods_page_reads_the_database_a_fixed_number_of_times(
    client, liaison, django_assert_num_queries, passkey_count
):
    client.force_login(liaison)
    two_factor.replace_recovery_codes(user=liaison)
    for number in range(1, passkey_count + 1):
        stored_passkey(liaison, f"Passkey {number}")
    client.get(reverse("cases:sign-in-methods"))
    # The session, its user and verified device, the user's permissions (the navigation); the
    # app, the passkeys and the recovery codes left: as many for one passkey as for three. The
    # session is not saved again within SESSION_REFRESH_INTERVAL (plumbing/sessions.py).
    with django_assert_num_queries(QUERIES):
        client.get(reverse("cases:sign-in-methods"))


def test_removing_a_passkey_is_recorded(client, liaison):
    client.force_login(liaison)
    credential = stored_passkey(liaison)
    response = client.post(reverse("cases:remove-passkey", args=[credential.pk]))
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert log_rows(AccessKind.SECOND_FACTOR_REMOVED, credential) == 1
    page = client.get(response["Location"]).content.decode()
    assert "Removed “Passkey 1”" in page


def test_nobody_removes_another_accounts_passkey(client, liaison, other_liaison):
    theirs = stored_passkey(other_liaison)
    client.force_login(liaison)
    response = client.post(reverse("cases:remove-passkey", args=[theirs.pk]))
    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


def test_the_last_passkey_of_an_account_without_an_app_is_not_removed(client, liaison):
    only = stored_passkey(liaison)
    two_factor.replace_recovery_codes(user=liaison)
    sign_in_without_second_factor(client, liaison)
    verify_session_with(client, only)
    assert client.get(reverse("cases:sign-in-methods")).status_code == 200
    response = client.post(reverse("cases:remove-passkey", args=[only.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page and f'href="#remove-{only.pk}"' in page
    assert "is how you sign in" in page
    assert WebAuthnCredential.objects.filter(pk=only.pk).exists()
    assert log_rows(AccessKind.SECOND_FACTOR_REMOVED, only) == 0

    # With a second passkey, either one may go.
    stored_passkey(liaison, "Passkey 2")
    assert client.post(reverse("cases:remove-passkey", args=[only.pk])).status_code == 302


def test_new_recovery_codes_are_shown_once_and_replace_the_old_ones(client, liaison):
    client.force_login(liaison)
    old = two_factor.replace_recovery_codes(user=liaison)
    response = client.post(reverse("cases:new-recovery-codes"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = response.context["codes"]
    assert len(codes) == 10 and not set(codes) & set(old)
    assert AccessLogEntry.objects.filter(kind=AccessKind.RECOVERY_CODES_REPLACED).count() == 2
    assert two_factor.matching_device(user=liaison, token=codes[0]) is not None
    assert two_factor.matching_device(user=liaison, token=old[0]) is None


PASSWORD_ONLY_REQUESTS = [
    ("get", "/staff/account/sign-in-methods/"),
    ("post", "/staff/account/sign-in-methods/passkeys/{pk}/remove/"),
    ("post", "/staff/account/sign-in-methods/recovery-codes/"),
    ("post", REGISTRATION_BEGIN),
    ("post", REGISTRATION_COMPLETE),
]


@pytest.mark.parametrize(("method", "path"), PASSWORD_ONLY_REQUESTS)
def test_no_sign_in_method_page_answers_or_changes_anything_after_the_password_alone(
    client, liaison, method, path
):
    confirmed_app_device(liaison)
    credential = stored_passkey(liaison, "Kitchen key")
    sign_in_without_second_factor(client, liaison)
    response = getattr(client, method)(path.format(pk=credential.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:verify"))
    assert b"Kitchen key" not in response.content
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert not StaticDevice.objects.filter(user=liaison).exists()
    assert not AccessLogEntry.objects.exclude(kind=AccessKind.SIGN_IN).exists()


def test_the_sign_in_methods_page_checks_the_second_factor_itself(liaison):
    request = RequestFactory().get("/")
    request.user = liaison
    liaison.is_verified = lambda: False
    with pytest.raises(passkey_views.PermissionDenied):
        passkey_views.sign_in_methods(request)
    request.user = AnonymousUser()
    assert passkey_views.sign_in_methods(request).status_code == 302


# --- Enrolment, reset, deployment ----------------------------------------------------------------


def test_enrolment_offers_a_passkey_then_shows_the_recovery_codes_once(client, liaison):
    sign_in_without_second_factor(client, liaison)
    client.get(reverse("cases:enrol"))
    device = TOTPDevice.objects.get(user=liaison, confirmed=False)
    response = client.post(
        reverse("cases:enrol"), {"code": current_code(device), "next": "/staff/cases/"}
    )
    assert response["Location"] == f"{reverse('cases:enrol-passkey')}?next=%2Fstaff%2Fcases%2F"
    offer = client.get(response["Location"])
    assert "passkey-register-button" in offer.content.decode()
    # The session the app code verified may add a passkey.
    _, credential = add_passkey(client)
    assert credential.user == liaison
    codes_page = client.get(offer.context["continue_to"])
    assert len(codes_page.context["codes"]) == 10
    assert codes_page.context["continue_to"] == "/staff/cases/"
    again = client.get(offer.context["continue_to"])
    assert again.status_code == 302 and again["Location"] == "/staff/cases/"
    # Outside enrolment, passkeys are added on the sign-in-methods page.
    assert client.get(reverse("cases:enrol-passkey"))["Location"] == reverse(
        "cases:sign-in-methods"
    )


def test_an_administrators_reset_removes_passkeys_too(administrator, liaison):
    confirmed_app_device(liaison)
    stored_passkey(liaison)
    mine = stored_passkey(administrator)
    two_factor.reset_second_factor(user=liaison, actor=administrator)
    assert not WebAuthnCredential.objects.filter(user=liaison).exists()
    assert WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    assert not two_factor.has_confirmed_device(liaison)


def test_the_deployment_check_warns_while_passkeys_are_set_up_for_localhost(settings):
    def warnings() -> set[str]:
        return {
            m.id for m in checks.run_checks(include_deployment_checks=True) if m.id == "cases.W001"
        }

    assert warnings() == {"cases.W001"}
    settings.OTP_WEBAUTHN_RP_ID = "rightsdesk.example.org"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["https://rightsdesk.example.org"]
    assert warnings() == set()
    assert not [m for m in checks.run_checks() if m.id == "cases.W001"]


def test_an_account_with_no_device_is_not_offered_passkeys_on_the_code_page(client):
    user = UserFactory(username="newcomer")
    sign_in_without_second_factor(client, user)
    assert client.get(reverse("cases:verify"))["Location"].startswith(reverse("cases:enrol"))


def test_no_admin_page_shows_an_accounts_devices_or_passkeys():
    from django.contrib import admin

    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        assert not admin.site.is_registered(model), model
