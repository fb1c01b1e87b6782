"""A photo that knows where it was taken, filed through the public form on a phone in headless
Chromium: legal staff and a police liaison download it from the case page and get a copy with
no GPS and the same pixels; legal staff can also get the original, which keeps it."""

import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image

from cases.roles import Role
from intake.models import Report
from tests import metadata_samples as samples
from tests.browser.conftest import Filing, ReportForm, expect, sign_in_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _staff(username: str, role: Role) -> None:
    user = UserFactory(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role.value))


def _gps(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(0x8825))


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


def _download(page, link_id: str) -> bytes:
    with page.expect_download() as download:
        page.locator(f"#{link_id}").click()
    return download.value.path().read_bytes()


def test_a_photo_filed_with_its_location_is_downloaded_by_staff_without_it(open_page, tmp_path):
    original = samples.jpeg_with_location()
    photo = tmp_path / "stop-on-brooklyn-blvd.jpg"
    photo.write_bytes(original)
    assert _gps(original)[2] == samples.LATITUDE

    page = open_page("", phone=True)
    form = ReportForm(page)
    filing = Filing(witnesses=())
    form.start()
    for step in (form.about, form.identity, form.what, form.when, form.who, form.why,
                 form.witnesses):
        step(filing)
    form.evidence(photo)
    form.account(filing)
    form.fill(email=filing.email, phone=filing.phone)
    for consent in ("consent_to_contact", "safe_to_contact", "consent_to_share_with_liaison"):
        form.tick(consent)
    form.save_and_continue()
    tracking_code, _secret = form.send()
    evidence = Report.objects.get(tracking_code=tracking_code).evidence.get()
    case_page = f"/staff/cases/{evidence.report.case.reference}/"

    _staff("legal", Role.LEGAL)
    _staff("liaison", Role.LIAISON)
    for username in ("legal", "liaison"):
        staff = open_page(case_page, phone=True)
        sign_in_staff(staff, username, PASSWORD)
        expect(staff.locator(f"#evidence-{evidence.pk}")).to_contain_text(photo.name)

        copy = _download(staff, f"download-evidence-{evidence.pk}")
        assert _gps(copy) == {}, username
        assert samples.planted_in(copy) == [], username
        assert _pixels(copy) == _pixels(original)

        original_link = staff.locator(f"#download-original-{evidence.pk}")
        if username == "legal":
            expect(original_link).to_have_text("Original as received (keeps location data)")
            assert _download(staff, f"download-original-{evidence.pk}") == original
        else:
            expect(original_link).to_have_count(0)
