"""Celery tasks of the cases app. Each takes ids, fetches, and calls one function."""

from celery import shared_task
from django.contrib.auth import get_user_model

from cases.models import Case
from cases.notifications import send_assignment_notice
from cases.staff_sessions import forget_ended_sessions


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_assignee(case_id: int, assignee_id: int, actor_id: int | None = None) -> None:
    """E-mail the assignee (queued by `assign_case` after commit). Nothing is sent if the case
    has been assigned to someone else in the meantime."""
    case = Case.objects.filter(pk=case_id, assignee_id=assignee_id).first()
    users = get_user_model().objects.in_bulk([assignee_id, actor_id or assignee_id])
    if case is not None and assignee_id in users:
        send_assignment_notice(case=case, assignee=users[assignee_id], actor=users.get(actor_id))


@shared_task(ignore_result=True)
def forget_ended_staff_sessions() -> None:
    """Daily: drop the "Your sessions" rows of sessions that ended without a sign-out."""
    forget_ended_sessions()
