"""Filing on a phone while Redis is down, in headless Chromium: the person gets their receipt
and can look up the status; the acknowledgement waits in the outbox until the broker is back,
then a real worker sends it once."""

import time

import pytest

from intake.models import Report
from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_pending
from tests.browser.conftest import Filing, ReportForm, expect
from tests.intake.test_outage import mailing_worker, private_redis  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_a_report_filed_on_a_phone_while_redis_is_down_gets_its_receipt_and_later_its_email(
    open_page, private_redis, settings, tmp_path  # noqa: F811 - the fixture
):
    settings.MEDIA_ROOT = tmp_path / "media"
    private_redis.stop()
    page = open_page("", phone=True)
    form = ReportForm(page)
    filing = Filing()
    form.start()
    form.about(filing)
    form.identity(filing)
    form.what(filing)
    form.when(filing)
    form.who(filing)
    form.why(filing)
    form.witnesses(filing)
    form.evidence(None)
    form.account(filing)
    form.contact(filing)
    expect(form.heading()).to_contain_text("Check your answers")

    tracking_code, secret = form.send()
    expect(form.heading()).to_contain_text("We have your report")
    form.check_status(tracking_code, secret)
    expect(page.locator("#status-value")).to_have_text("New")

    report = Report.objects.get(tracking_code=tracking_code)
    waiting = OutboxMessage.objects.get(published_at__isnull=True)
    assert (waiting.task, waiting.args) == ("intake.tasks.send_acknowledgement", [report.pk])

    private_redis.start()
    mail = tmp_path / "mail"
    worker = mailing_worker(private_redis, mail, tmp_path / "worker.log")
    try:
        OutboxMessage.objects.update(available_at=waiting.created_at)
        assert relay_pending() == 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not mail.exists():
            time.sleep(0.1)
        report.refresh_from_db()
        while time.monotonic() < deadline and report.acknowledged_at is None:
            time.sleep(0.1)
            report.refresh_from_db()
    finally:
        worker.stop()
    assert report.acknowledged_at is not None, worker.tail()
    messages = [path.read_text() for path in mail.iterdir()]
    assert len(messages) == 1
    assert tracking_code in messages[0]
    assert filing.email in messages[0]
