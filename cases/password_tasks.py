"""Celery tasks that e-mail staff about their passwords (cases/passwords.py), published through
the outbox. Listed in CELERY_IMPORTS: autodiscovery finds only `tasks` modules.

Delivery is at least once. A reset mail sent twice holds two working links, both ended by the
first use; a change notice sent twice says the same thing twice. Neither is worth a record of
what was sent."""

from celery import shared_task

from accesslog.models import AccessLogEntry
from cases import passwords


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_password_reset_mails(user_ids: list[int]) -> None:
    """A reset link for each account asked for that may still have one (none for an address
    nobody has: the request wrote this message all the same)."""
    for user in passwords.resettable_users(user_ids):
        passwords.send_password_reset_mail(user=user)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def announce_password_change(access_log_entry_id: int) -> None:
    """Tell the account that its password was changed or reset, when and from where."""
    entry = AccessLogEntry.objects.select_related("user").filter(pk=access_log_entry_id).first()
    if entry is not None:
        passwords.send_password_change_notice(entry=entry)
