"""The Django admin site of Rights Desk: it admits people by role, not by the `is_staff` flag.

Django's own site lets in any active account with `is_staff` ticked, and anyone who may edit
accounts can tick it. Here the role decides (`cases.roles.may_use_admin_site`): legal staff and
administrators; police liaisons never, whatever their flags, because the admin lists what
people filed with no consent applied.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cases.roles import may_use_admin_site


class RoleAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, asking the site's question instead of `user.is_staff`."""

    def confirm_login_allowed(self, user):  # type: ignore[no-untyped-def]
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
