"""Writing to the people who filed a report: one rule for whether we may, and the
acknowledgement that follows it.

A message about a report tells whoever reads that inbox that a report was filed. A person who
shares a mailbox or a phone, or lives with someone who must not know, says so by leaving "It is
safe to leave me a message or write to me" unticked. Agreeing to be contacted is therefore not
enough on its own: every message to a complainant, now and later, is addressed through
`contactable_complainants`, and nothing else decides who may be written to.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from intake.models import Complainant, Report
from plumbing.outbox.services import publish


def may_contact(complainant: Complainant) -> bool:
    """Whether Rights Desk may write to this person about their report.

    Only when the report's consent to contact *and* the person's "safe to contact" are both
    given, the person is not anonymous, and there is an e-mail address to write to (we write
    only by e-mail). Consent without safety is not enough: the message itself would tell
    whoever else reads the inbox that a report was filed.
    """
    return bool(
        complainant.report.consent_to_contact
        and complainant.safe_to_contact
        and not complainant.is_anonymous
        and complainant.email
    )


def contactable_complainants(
    report: Report, people: Sequence[Complainant] | None = None
) -> list[Complainant]:
    """The people of `report` who may be written to (see `may_contact`), read fresh from the
    database, or taken from `people`: the report's complainants as the caller has just written
    them, in the transaction still open. None, without a query, when the report has no consent
    to contact."""
    if not report.consent_to_contact:
        return []
    rows = report.complainants.all() if people is None else people
    return [person for person in rows if may_contact(person)]


def acknowledge_report(
    *, report: Report, complainants: Sequence[Complainant] | None = None
) -> bool:
    """Queue the acknowledgement e-mail of a report filed by the public (web form or API), when
    someone who filed it may be written to. Returns whether it was queued.

    Call it in the transaction that writes the report: the message goes to the outbox with the
    report, and reaches the broker after the commit, or later when the broker is down. Neither
    a down broker nor a slow mail server can cost the person their receipt. The task checks the
    rule again when it sends. `submit_report` passes the `complainants` it has just written,
    which spares reading them back.
    """
    if not contactable_complainants(report, complainants):
        return False
    publish("intake.tasks.send_acknowledgement", report.pk)
    return True


def deliver_acknowledgement(*, report: Report) -> int:
    """Tell each person who filed `report`, and may be written to, that we have it, in the
    language they used. Returns how many messages were sent.

    Whom to write to is decided now, when sending, not when the task was queued. Only the
    tracking code is sent: the status secret is never stored, so it cannot be mailed, and an
    inbox is a weaker place to keep it than the receipt. One message per person, so no one
    learns another's address. A report is acknowledged once, however often the task runs.
    """
    with transaction.atomic():
        # Locked while sending, and marked sent in the same transaction: a second delivery of
        # the task waits here, then finds the mark and sends nothing.
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.acknowledged_at is not None:
            return 0
        recipients = [person.email for person in contactable_complainants(report)]
        if not recipients:
            return 0
        context = {"tracking_code": report.tracking_code}
        with translation.override(report.language):
            subject = render_to_string("emails/acknowledgement_subject.txt", context).strip()
            body = render_to_string("emails/acknowledgement.txt", context)
        for address in recipients:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        Report.objects.filter(pk=report.pk).update(acknowledged_at=timezone.now())
    return len(recipients)


def announce_question(*, report: Report) -> bool:
    """Queue a notice that staff posted a question on `report`, when someone who filed it may be
    written to (`may_contact`). Call it in the transaction that posts the question. Returns
    whether it was queued.

    The notice says only that there is a message and where to read it: never the question,
    never the tracking code. The person reads it signed in with the code and secret they kept.
    """
    if not contactable_complainants(report):
        return False
    publish("intake.tasks.send_question_notice", report.pk)
    return True


def deliver_question_notice(*, report: Report) -> int:
    """Tell each person who filed `report`, and may be written to now, that a message waits for
    them, in the language they used. Returns how many messages were sent.

    One notice per question posted: two questions posted before the person signs in send two
    notices, which says no more than one would."""
    recipients = [person.email for person in contactable_complainants(report)]
    if not recipients:
        return 0
    with translation.override(report.language):
        subject = render_to_string("emails/question_notice_subject.txt", {}).strip()
        body = render_to_string("emails/question_notice.txt", {"site_url": settings.SITE_URL})
    for address in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return len(recipients)
