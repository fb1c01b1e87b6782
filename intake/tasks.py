"""Celery tasks of the intake app. Each takes an id and does one thing."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from intake import drafts
from intake.models import Report


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_acknowledgement(report_id: int) -> None:
    """Tell the person who filed that we have their report, in the language they used.

    Only the tracking code is sent: the status secret is never stored, so it cannot be mailed,
    and an inbox is a weaker place to keep it than the receipt. Sent only to a named person
    who agreed to be contacted (checked again here, in case the task is queued by mistake).
    """
    report = Report.objects.filter(pk=report_id, consent_to_contact=True).first()
    if report is None:
        return
    recipients = [
        person.email
        for person in report.complainants.all()
        if person.email and not person.is_anonymous
    ]
    if not recipients:
        return
    context = {"tracking_code": report.tracking_code}
    with translation.override(report.language):
        subject = render_to_string("emails/acknowledgement_subject.txt", context).strip()
        body = render_to_string("emails/acknowledgement.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


@shared_task(ignore_result=True)
def purge_pending_uploads() -> int:
    """Delete evidence uploaded on forms that were never sent (run hourly by Celery beat)."""
    return drafts.purge_stale_pending(settings.INTAKE_PENDING_UPLOAD_MAX_AGE)
