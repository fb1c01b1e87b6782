"""The second factor: a password alone opens nothing; a code from the app or a recovery code
does; wrong codes lock the account out like wrong passwords; administrators reset others'."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from api_tokens.services import create_api_token
from cases import two_factor
from cases.models import CaseNote, SecondFactorReset
from intake.models import Report
from intake.services import submit_report
from plumbing.outbox.models import OutboxMessage
from tests.conftest import (
    confirmed_app_device,
    current_code,
    give_code,
    sign_in_without_second_factor,
)
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def case():
    submission = ReportSubmissionFactory()
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


PAGES = [
    "/staff/cases/",
    "/staff/cases/{reference}/",
    "/staff/statistics/",
    "/staff/statistics/export.csv",
    "/staff/documents/cases/{reference}/",
    "/admin/",
    "/admin/auth/user/",
    "/admin/intake/report/",
    "/admin/cases/case/",
    "/admin/cases/rolechange/",
]
API = [
    "/api/v1/cases/",
    "/api/v1/cases/{reference}/",
    "/api/v1/cases/{reference}/history/",
    "/api/v1/statistics/",
    "/api/schema/",
]


@pytest.mark.parametrize("has_device", [True, False], ids=["enrolled", "not-enrolled"])
@pytest.mark.parametrize("path", PAGES)
def test_no_staff_or_admin_page_answers_with_data_after_the_password_alone(
    client, legal, case, path, has_device
):
    if has_device:
        confirmed_app_device(legal)
    sign_in_without_second_factor(client, legal)
    url = path.format(reference=case.reference)
    response = client.get(url)
    assert response.status_code == 302, url
    step = reverse("cases:verify") if has_device else reverse("cases:enrol")
    assert response["Location"].startswith(f"{step}?next="), url
    assert case.reference.encode() not in response.content


@pytest.mark.parametrize("path", API)
def test_no_session_api_endpoint_answers_with_data_after_the_password_alone(
    client, legal, case, path
):
    confirmed_app_device(legal)
    sign_in_without_second_factor(client, legal)
    response = client.get(path.format(reference=case.reference))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert case.reference.encode() not in response.content


def test_an_api_write_after_the_password_alone_is_refused_and_writes_nothing(
    client, legal, case
):
    sign_in_without_second_factor(client, legal)
    response = client.post(
        f"/api/v1/cases/{case.reference}/notes/",
        {"body": "A note", "visibility": "staff"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not CaseNote.objects.exists()


def test_token_requests_are_left_to_the_api(client, liaison, case):
    key = create_api_token(user=liaison, name="script").key
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_the_public_pages_stay_open_between_password_and_code(client, legal):
    sign_in_without_second_factor(client, legal)
    assert client.get("/report/").status_code in (200, 302)
    assert client.get(reverse("cases:verify")).status_code == 302  # no device: enrol first
    assert client.get(reverse("cases:enrol")).status_code == 200


def test_the_password_then_the_app_code_signs_in(client, liaison):
    device = confirmed_app_device(liaison)
    client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    assert client.get(reverse("cases:queue")).status_code == 302
    response = client.post(
        reverse("cases:verify"), {"code": current_code(device), "next": "/staff/cases/"}
    )
    assert response["Location"] == "/staff/cases/"
    assert client.get(reverse("cases:queue")).status_code == 200


def test_verify_never_redirects_to_another_site(client, liaison):
    device = confirmed_app_device(liaison)
    sign_in_without_second_factor(client, liaison)
    response = client.post(
        reverse("cases:verify"), {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("cases:queue")


def test_wrong_codes_count_toward_the_same_lockout_as_wrong_passwords(client, liaison):
    confirmed_app_device(liaison)
    client.post(reverse("cases:login"), {"username": "liaison", "password": "wrong"})
    client.post(reverse("cases:login"), {"username": "liaison", "password": "wrong"})
    # A right password resets the count (AXES_RESET_ON_SUCCESS); the codes then count from 0.
    client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("cases:verify"), {"code": "000000"})
        assert response.status_code == 400
        assert "not right" in response.content.decode()
    response = client.post(reverse("cases:verify"), {"code": "000000"})
    assert response.status_code == 429
    # The session ended with the lockout, and the password is refused too now.
    assert not client.session.get("_auth_user_id")
    response = client.post(reverse("cases:login"), {"username": "liaison", "password": PASSWORD})
    assert response.status_code == 429


def test_a_recovery_code_works_once(client, liaison):
    confirmed_app_device(liaison)
    codes = two_factor.replace_recovery_codes(user=liaison)
    assert len(codes) == 10 and len(set(codes)) == 10
    sign_in_without_second_factor(client, liaison)
    assert client.post(reverse("cases:verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("cases:queue")).status_code == 200

    client.post(reverse("cases:logout"))
    sign_in_without_second_factor(client, liaison)
    response = client.post(reverse("cases:verify"), {"code": codes[0]})
    assert response.status_code == 400
    assert client.get(reverse("cases:queue")).status_code == 302
    assert StaticDevice.objects.get(user=liaison).token_set.count() == 9


def test_enrolment_shows_the_secret_and_qr_code_then_ten_recovery_codes_once(client, liaison):
    sign_in_without_second_factor(client, liaison)
    page = client.get(reverse("cases:enrol"))
    device = TOTPDevice.objects.get(user=liaison, confirmed=False)
    assert two_factor.secret_text(device) in page.content.decode()
    qr = client.get(reverse("cases:enrol-qr-code"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") and b"<svg" in qr.content

    assert client.post(reverse("cases:enrol"), {"code": "123"}).status_code == 400
    # A wrong code makes the device refuse every code for a second (django-otp's throttle);
    # as if that second had passed:
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    response = client.post(reverse("cases:enrol"), {"code": current_code(device)})
    # A passkey is offered first; the recovery codes are the last step.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:enrol-passkey"))
    offer = client.get(response["Location"])
    assert offer.status_code == 200
    response = client.get(offer.context["continue_to"])
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    for code in codes:
        assert code in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("cases:queue")).status_code == 200
    # Enrolled: the page and the QR code are gone, and no code is shown again.
    assert client.get(reverse("cases:enrol")).status_code == 302
    assert client.get(reverse("cases:enrol-qr-code")).status_code == 404
    assert "codes" not in (client.get(reverse("cases:enrol-recovery-codes")).context or {})


def test_an_administrator_resets_anothers_second_factor_recorded_and_emailed(
    client, administrator, liaison, django_capture_on_commit_callbacks
):
    confirmed_app_device(liaison)
    two_factor.replace_recovery_codes(user=liaison)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/auth/user/",
            {"action": "reset_second_factor", "_selected_action": [liaison.pk]},
        )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=liaison).exists()
    assert not StaticDevice.objects.filter(user=liaison).exists()
    reset = SecondFactorReset.objects.get()
    assert (reset.user, reset.actor) == (liaison, administrator)
    assert OutboxMessage.objects.filter(task__endswith="announce_second_factor_reset").exists()
    [message] = mail.outbox
    assert message.to == [liaison.email]
    assert administrator.username in message.body
    # The record is append-only.
    with pytest.raises(ValueError):
        reset.save()


def test_nobody_resets_their_own_second_factor(client, administrator, liaison):
    own = confirmed_app_device(administrator)
    client.force_login(administrator)
    response = client.post(
        "/admin/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [administrator.pk, liaison.pk]},
        follow=True,
    )
    assert "cannot reset your own second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=own.pk).exists()
    assert not SecondFactorReset.objects.exists()
    with pytest.raises(two_factor.SecondFactorError):
        two_factor.reset_second_factor(user=administrator, actor=administrator)


def test_legal_staff_cannot_reset_anyones_second_factor(client, legal, liaison):
    device = confirmed_app_device(liaison)
    client.force_login(legal)
    client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [liaison.pk]}
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not SecondFactorReset.objects.exists()


def test_after_a_reset_the_next_sign_in_enrols_again(client, administrator):
    colleague = UserFactory(username="colleague")
    confirmed_app_device(colleague)
    two_factor.reset_second_factor(user=colleague, actor=administrator)
    sign_in_without_second_factor(client, colleague)
    response = client.get(reverse("cases:queue"))
    assert response["Location"].startswith(reverse("cases:enrol"))


def test_give_code_helper_matches_the_verify_page(client, liaison):
    sign_in_without_second_factor(client, liaison)
    assert give_code(client, liaison).status_code == 302
    assert client.get(reverse("cases:queue")).status_code == 200


def test_an_account_past_its_enrolment_window_cannot_enrol_with_its_password_alone(
    client, liaison, settings
):
    settings.SECOND_FACTOR_ENROLMENT_HOURS = 72
    type(liaison).objects.filter(pk=liaison.pk).update(
        date_joined=timezone.now() - timedelta(hours=73)
    )
    sign_in_without_second_factor(client, liaison)
    response = client.get(reverse("cases:enrol"))
    assert response.status_code == 403
    assert "Ask an administrator to reset your second factor" in response.content.decode()
    assert client.get(reverse("cases:enrol-qr-code")).status_code == 404
    assert client.post(reverse("cases:enrol"), {"code": "123456"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=liaison).exists()
    assert client.get(reverse("cases:queue")).status_code == 302


def test_a_reset_by_an_administrator_opens_a_new_enrolment_window(
    client, administrator, liaison, settings
):
    settings.SECOND_FACTOR_ENROLMENT_HOURS = 72
    type(liaison).objects.filter(pk=liaison.pk).update(
        date_joined=timezone.now() - timedelta(days=30)
    )
    liaison.refresh_from_db()
    assert not two_factor.may_enrol(liaison)
    two_factor.reset_second_factor(user=liaison, actor=administrator)
    assert two_factor.may_enrol(liaison)
    sign_in_without_second_factor(client, liaison)
    assert client.get(reverse("cases:enrol")).status_code == 200
