"""A new staff member's first day, in headless Chromium at a laptop's 1366x768: an administrator
makes the account in the admin; the new liaison signs in, adds an authenticator app and a
passkey (Chromium's virtual authenticator), keeps the recovery codes, changes the password,
makes an API token that a script then uses, and opens a case; legal staff then see on that
case's page that the liaison looked at it, and find every step in the access log."""

import json
import re
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accesslog.models import AccessKind, AccessLogEntry
from cases.roles import Role
from intake.models import Report
from intake.services import submit_report
from tests.browser.conftest import add_virtual_authenticator, expect, sign_in_staff
from tests.conftest import current_code
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("passkeys_on_the_live_server")]

ADMIN_PASSWORD = "an administrator's long password"
FIRST_PASSWORD = "first day password 2026"
NEW_PASSWORD = "orbit kettle lantern plum"
LEGAL_PASSWORD = "counsel's long password 7"
DESKTOP = {"width": 1366, "height": 768}


def _staff(username: str, password: str, role: Role):
    user = UserFactory(username=username, password=password)
    user.groups.add(Group.objects.get(name=role.value))
    return user


def _administrator_makes_the_account(open_page) -> None:
    _staff("admin", ADMIN_PASSWORD, Role.ADMINISTRATOR)
    page = open_page("/staff/login/?next=/admin/auth/user/add/")
    page.set_viewport_size(DESKTOP)
    sign_in_staff(page, "admin", ADMIN_PASSWORD)
    expect(page.locator("h1")).to_have_text("Add user")
    page.locator("#id_username").fill("rosa")
    page.locator("#id_password1").fill(FIRST_PASSWORD)
    page.locator("#id_password2").fill(FIRST_PASSWORD)
    page.locator("input[name=_continue]").click()
    expect(page.locator("#id_first_name")).to_be_visible()
    page.locator("#id_first_name").fill("Rosa")
    page.locator("#id_last_name").fill("Parra")
    page.locator("#id_email").fill("rosa.parra@example.org")
    page.locator("#id_groups_from").select_option(label=Role.LIAISON.value)
    page.locator("#id_groups_add").click()
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def test_a_new_liaisons_first_day_from_account_to_a_case_legal_staff_see_they_opened(
    open_page, live_server, browser_log
):
    case = submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case
    _administrator_makes_the_account(open_page)
    rosa = get_user_model().objects.get(username="rosa")
    assert rosa.groups.get().name == Role.LIAISON.value

    # Her first sign-in walks her through an app, a passkey and her recovery codes.
    page = open_page("/staff/cases/")
    page.set_viewport_size(DESKTOP)
    add_virtual_authenticator(page)
    page.locator("#id_username").fill("rosa")
    page.locator("#id_password").fill(FIRST_PASSWORD)
    page.locator("#login-button").click()
    expect(page.locator("h1")).to_have_text("Add an authenticator app")
    app = TOTPDevice.objects.get(user=rosa, confirmed=False)
    page.locator("#id_code").fill(current_code(app))
    page.locator("#enrol-button").click()
    expect(page.locator("h1")).to_have_text("Add a passkey or security key")
    page.locator("#passkey-register-button").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.locator("#recovery-codes-continue").click()
    expect(page.locator("h1")).to_have_text("Case queue")
    assert WebAuthnCredential.objects.filter(user=rosa).count() == 1

    # She changes the password the administrator chose.
    page.locator("#nav-account").click()
    expect(page.locator("#account-name")).to_have_text("Rosa Parra")
    page.locator("#link-password-change").click()
    page.locator("#id_old_password").fill(FIRST_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("#password-change-button").click()
    expect(page.get_by_role("status").filter(has_text="password is changed")).to_be_visible()

    # She makes a token for a script, which the script then uses.
    page.locator("#link-api-tokens").click()
    page.locator("#id_name").fill("weekly export")
    page.locator("#create-token-button").click()
    key = page.locator("#new-token-key").input_value()
    api_request = urllib.request.Request(  # noqa: S310 (the live server's own http URL)
        f"{live_server.url}/api/v1/cases/", headers={"Authorization": f"Token {key}"}
    )
    with urllib.request.urlopen(api_request) as answer:  # noqa: S310
        assert answer.status == 200
        assert case.reference in json.dumps(json.load(answer))

    # She opens a case.
    page.goto(f"/staff/cases/{case.reference}/")
    expect(page.locator("h1")).to_contain_text(case.reference)

    # Next time the passkey replaces the code.
    page.locator("#logout-button").click()
    page.goto("/staff/cases/")
    page.locator("#id_username").fill("rosa")
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("#login-button").click()
    page.locator("#passkey-verification-button").click()
    expect(page.locator("h1")).to_have_text("Case queue")

    # Legal staff can tell she opened the case, and see every change to her account.
    _staff("counsel", LEGAL_PASSWORD, Role.LEGAL)
    legal_page = open_page(f"/staff/login/?next=/staff/cases/{case.reference}/")
    legal_page.set_viewport_size(DESKTOP)
    sign_in_staff(legal_page, "counsel", LEGAL_PASSWORD)
    looked = legal_page.locator("#access-log-table")
    expect(looked.locator("tr", has_text="rosa")).to_contain_text("Case opened")
    expect(looked.locator("tr", has_text="rosa")).to_contain_text(Role.LIAISON.value)

    kinds = set(AccessLogEntry.objects.filter(user=rosa).values_list("kind", flat=True))
    assert {
        AccessKind.SIGN_IN,
        AccessKind.SECOND_FACTOR_ADDED,
        AccessKind.RECOVERY_CODES_REPLACED,
        AccessKind.PASSWORD_CHANGED,
        AccessKind.API_TOKEN_CREATED,
        AccessKind.CASE,
    } <= kinds
    legal_page.goto("/staff/access-log/?user=rosa")
    expect(legal_page.locator("#access-log-table")).to_contain_text("Password changed")
    assert not browser_log.page_errors
    assert not browser_log.foreign_requests(page.url)
    assert re.search(r"/staff/access-log/", legal_page.url)
