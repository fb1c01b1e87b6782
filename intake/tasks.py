"""Celery tasks of the intake app. Each takes an id and does one thing."""

from celery import shared_task
from django.conf import settings

from intake import contact, drafts, services
from intake.models import Report


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_acknowledgement(report_id: int) -> None:
    """Acknowledge a report by e-mail (published through the outbox by `submit_report`).
    `deliver_acknowledgement` checks again, at send time, whom it may write to, and sends once
    however often the task is delivered."""
    report = Report.objects.filter(pk=report_id).first()
    if report is not None:
        contact.deliver_acknowledgement(report=report)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_question_notice(report_id: int) -> None:
    """Tell the person who filed a report that staff posted a question on it (published through
    the outbox by `cases.services.ask_reporter`); whom to write to is decided when sending."""
    report = Report.objects.filter(pk=report_id).first()
    if report is not None:
        contact.deliver_question_notice(report=report)


@shared_task(ignore_result=True)
def purge_pending_uploads() -> int:
    """Delete evidence uploaded on forms that were never sent (run hourly by Celery beat)."""
    return drafts.purge_stale_pending(settings.INTAKE_PENDING_UPLOAD_MAX_AGE)


@shared_task(ignore_result=True)
def forget_sent_submissions() -> int:
    """Delete the keys and sealed secrets of sends older than a day (hourly, by Celery beat)."""
    return services.forget_sent_submissions()
