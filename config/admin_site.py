"""The Django admin site of Rights Desk: it admits people by role, not by the `is_staff` flag.

Django's own site lets in any active account with `is_staff` ticked, and anyone who may edit
accounts can tick it. Here the role decides (`cases.roles.may_use_admin_site`): legal staff and
administrators; police liaisons never, whatever their flags, because the admin lists what
people filed with no consent applied.
"""

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import path
from django.views.generic import RedirectView

from cases.roles import may_use_admin_site


class RoleAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, asking the site's question instead of `user.is_staff`."""

    def confirm_login_allowed(self, user):
        # AuthenticationForm's check (the account is active); not AdminAuthenticationForm's,
        # which refuses anyone without `is_staff`.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not may_use_admin_site(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class RightsDeskAdminSite(AdminSite):
    site_header = "Rights Desk administration"
    site_title = "Rights Desk"
    login_form = RoleAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        """Every admin page, the index and the sign-in redirect ask this first."""
        # Asked several times per page (the view, then the template context): one query, kept
        # for as long as the request has the same user (signing in or out changes it).
        user = request.user
        cached = getattr(request, "_may_use_admin_site", None)
        if cached is None or cached[0] != user.pk:
            cached = (user.pk, may_use_admin_site(user))
            request._may_use_admin_site = cached  # type: ignore[attr-defined]
        return cached[1]

    def get_urls(self) -> list[Any]:
        """Changing one's password is the staff page's job (cases/passwords.py: other sessions
        end, the change is recorded and announced; the admin's form does none of that). The
        admin's addresses send there before the admin's own check, so a police liaison who
        follows an old link is never shown the admin's sign-in page."""
        own = [
            path(
                "password_change/",
                RedirectView.as_view(pattern_name="cases:password-change"),
                name="password_change",
            ),
            path(
                "password_change/done/",
                RedirectView.as_view(pattern_name="cases:account"),
                name="password_change_done",
            ),
        ]
        return own + super().get_urls()
