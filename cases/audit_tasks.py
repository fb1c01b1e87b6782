"""The nightly audit check (beat: `audit-verify-nightly`). Listed in CELERY_IMPORTS."""

from celery import shared_task

from cases.audit import ALERT_ROWS, send_audit_alert
from plumbing.audit.verify import verify_all
from plumbing.outbox.services import publish


@shared_task(ignore_result=True)
def verify_audit_task() -> int:
    """Walk every audit chain, as `manage.py verify_audit` does; on a break, queue an e-mail to
    legal staff through the outbox naming the rows. Returns how many rows were named."""
    lines: list[str] = []
    total = 0
    for found in verify_all():
        total += 1
        if len(lines) < ALERT_ROWS:
            lines.append(str(found))
    if total:
        publish(send_audit_alert_task, lines, total)
    return total


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_audit_alert_task(lines: list[str], total: int) -> None:
    send_audit_alert(lines=lines, total=total)
