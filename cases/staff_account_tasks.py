"""Celery tasks about staff accounts. Listed in CELERY_IMPORTS: autodiscovery finds only
`tasks` modules."""

from celery import shared_task

from cases.models import RoleChange
from cases.staff_accounts import send_legal_role_notice


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def announce_legal_role_change(role_change_id: int) -> None:
    """E-mail legal staff about one grant or removal of the legal role (queued after commit by
    cases.staff_accounts)."""
    change = RoleChange.objects.select_related("user", "actor").filter(pk=role_change_id).first()
    if change is not None:
        send_legal_role_notice(change=change)
