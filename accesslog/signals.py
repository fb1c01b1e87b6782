"""Sign-ins, failed sign-ins and lockouts, from Django's and django-axes' signals."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accesslog import services
from accesslog.models import AccessKind


@receiver(user_logged_in, dispatch_uid="accesslog.sign_in")
def log_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.record_sign_in(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accesslog.sign_in_failed")
def log_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already replaced the password with asterisks; only the name is kept.
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    services.record_refused_sign_in(
        request=request, username=str(username or ""), kind=AccessKind.SIGN_IN_FAILED
    )


@receiver(user_locked_out, dispatch_uid="accesslog.locked_out")
def log_lockout(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    services.record_refused_sign_in(
        request=request, username=str(username or ""), kind=AccessKind.LOCKED_OUT
    )
