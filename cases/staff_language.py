"""A staff member's language: a setting of their account, not a button on the page.

The pages speak the session's language (intake/language.py). The setting is copied into the
session when its owner signs in and when they save it, so a page costs no query to find it; an
account without the setting keeps the browser's language. Mail to a staff member, written by a
task with no session, reads the setting of each recipient.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from cases.models import StaffPreferences
from intake.language import SESSION_KEY, choose_language, is_available


def stored_language(user: Any) -> str:
    """The language `user` chose, or "" for none (the browser's then, and English for mail)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    language = (
        StaffPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )
    return language if is_available(language) else ""


def mail_language(user: Any) -> str:
    """The language of mail to `user`: their setting, else the site's."""
    return stored_language(user) or settings.LANGUAGE_CODE


def languages_of_addresses(addresses: Iterable[str]) -> dict[str, list[str]]:
    """The addresses of staff accounts grouped by the language their mail is written in (one
    query). An address no account with a setting holds gets the site's language."""
    addresses = list(addresses)
    chosen = dict(
        StaffPreferences.objects.filter(user__email__in=addresses)
        .exclude(language="")
        .values_list("user__email", "language")
    )
    grouped: dict[str, list[str]] = defaultdict(list)
    for address in addresses:
        language = chosen.get(address)
        grouped[language if is_available(language) else settings.LANGUAGE_CODE].append(address)
    return dict(grouped)


def set_staff_language(*, request: HttpRequest, user: Any, language: str) -> StaffPreferences:
    """Keep `language` (one of settings.LANGUAGES) as the setting of `user`, and speak it in this
    session from this request on."""
    if not is_available(language):
        raise ValueError(f"Not an available language: {language!r}")
    preferences, _created = StaffPreferences.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    choose_language(request, language)
    return preferences


@receiver(user_logged_in, dispatch_uid="cases.staff_language_signed_in")
def apply_language_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The session of someone signing in speaks the language of their setting, if they have
    one; else it keeps the one it had (the browser's, or the one chosen on the public pages)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    language = stored_language(user)
    if language:
        # The session only: the sign-in answers with a redirect, and the next request's
        # middleware speaks the session's language.
        session[SESSION_KEY] = language
