"""E-mail to staff about their cases.

A message names the case (reference, status, priority) and links to its page, and says nothing
about the people in it: mailboxes are forwarded, shared and breached, and the case page checks
who is reading while an inbox does not.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases.models import Case
from cases.staff_language import mail_language


def send_assignment_notice(
    *, case: Case, assignee: AbstractBaseUser, actor: AbstractBaseUser | None
) -> bool:
    """Tell `assignee` that `actor` assigned `case` to them. False when there is no address to
    write to."""
    address = getattr(assignee, "email", "")
    if not address or not assignee.is_active:
        return False
    path = reverse("cases:case", kwargs={"reference": case.reference})
    # In the assignee's language: a task has no request to take one from.
    with translation.override(mail_language(assignee)):
        context = {
            "reference": case.reference,
            "status": case.get_status_display(),
            "priority": case.get_priority_display(),
            "actor": actor.get_username() if actor else translation.gettext("A colleague"),
            "url": f"{settings.SITE_URL}{path}",
        }
        subject = render_to_string("emails/case_assigned_subject.txt", context).strip()
        body = render_to_string("emails/case_assigned.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return True
