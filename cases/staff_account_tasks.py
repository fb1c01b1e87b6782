"""Celery tasks about staff accounts. Listed in CELERY_IMPORTS: autodiscovery finds only
`tasks` modules."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import RoleChange, SecondFactorReset
from cases.staff_accounts import send_legal_role_notice
from cases.staff_language import mail_language


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def announce_legal_role_change(role_change_id: int) -> None:
    """E-mail legal staff about one grant or removal of the legal role (queued after commit by
    cases.staff_accounts)."""
    change = RoleChange.objects.select_related("user", "actor").filter(pk=role_change_id).first()
    if change is not None:
        send_legal_role_notice(change=change)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def announce_second_factor_reset(reset_id: int) -> None:
    """E-mail the account whose second factor an administrator reset (queued after commit by
    cases.two_factor.reset_second_factor), so a reset they did not ask for is noticed."""
    reset = SecondFactorReset.objects.select_related("user", "actor").filter(pk=reset_id).first()
    if reset is None or not reset.user.email:
        return
    context = {
        "user": reset.user.get_username(),
        "actor": reset.actor.get_username(),
        "reset_at": timezone.localtime(reset.reset_at),
        "url": f"{settings.SITE_URL}/staff/login/",
    }
    with translation.override(mail_language(reset.user)):
        subject = render_to_string("emails/second_factor_reset_subject.txt", context).strip()
        body = render_to_string("emails/second_factor_reset.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reset.user.email])
