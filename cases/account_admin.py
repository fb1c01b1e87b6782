"""Accounts, roles and the record of role changes in the Django admin.

Separation of duties: administrators manage accounts, but
- nobody changes their own roles here (the field is read-only on one's own account, and a
  request that sends it anyway is refused);
- nobody sets `is_superuser`, `is_staff` or single permissions here: a request that sends them
  is refused. Superusers are made from the shell; `is_staff` decides nothing (the site admits
  by role, config/admin_site.py);
- a superuser's account is changed by superusers only, and a legal staff member's password by
  themselves or a superuser (`cases.staff_accounts.may_set_password`);
- groups are the roles of cases/roles.py, synced after every migrate, and read-only here, so no
  one can add a permission to a role (the administrator's own, say) through the admin;
- an administrator resets another account's second factor (an action on the accounts list),
  never their own: `cases.two_factor.reset_second_factor` records it and tells the account;
- roles change only through `cases.staff_accounts.change_user_roles`, which records each grant
  and removal and announces the legal role's to legal staff.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from cases import passwords, two_factor
from cases.models import RoleChange, SecondFactorReset
from cases.staff_accounts import (
    ROLE_NAMES,
    change_user_roles,
    may_change_roles,
    may_set_password,
)
from plumbing.admin import ReadOnlyMixin

User = get_user_model()

# Fields of the user model no one sets through the admin. `is_staff` is not even shown: it
# admits no one, so showing it would only suggest it does.
NEVER_SET_HERE = ("is_superuser", "is_staff", "user_permissions")
SHOWN_READ_ONLY = ("is_superuser", "user_permissions")

admin.site.unregister(User)
admin.site.unregister(Group)
# The second-factor devices' admin pages are taken down in CasesConfig.ready(), once every app's
# admin module has registered its own.


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "roles", "is_active"]
    list_filter = ["groups", "is_active", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("is_active", "groups")}),
        (
            "Set from the shell only",
            {"fields": SHOWN_READ_ONLY, "classes": ("collapse",)},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    filter_horizontal = ("groups",)
    actions = ["reset_second_factor"]

    @admin.action(
        description="Reset the second factor of the selected accounts", permissions=["change"]
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The whole action is refused if it includes one's own account, rather than half-done.
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(
                request,
                "You cannot reset your own second factor; ask another administrator. "
                "Nothing was reset.",
                messages.ERROR,
            )
            return
        names = []
        for user in queryset:
            if not self.has_change_permission(request, user):
                raise PermissionDenied
            two_factor.reset_second_factor(user=user, actor=request.user, request=request)
            names.append(user.get_username())
        self.message_user(
            request,
            f"Reset the second factor of {', '.join(names)}; each will add an app again at "
            "their next sign-in and has been told by e-mail.",
            messages.SUCCESS,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, user: Any) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*SHOWN_READ_ONLY, "last_login", "date_joined"]
        if obj is not None and not may_change_roles(request.user, obj):
            fields.append("groups")
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(  # type: ignore[override]  # UserAdmin's own signature, which the stubs keep
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, **kwargs)
        password = form.base_fields.get("password")
        if obj is not None and password is not None and not may_set_password(request.user, obj):
            password.help_text = (
                "Only this person, or a superuser, can set the password of a legal staff "
                "member or a superuser."
            )
        return form

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id)) if object_id else None
            refused = set(NEVER_SET_HERE)
            if obj is not None and not may_change_roles(request.user, obj):
                refused.add("groups")
            # The form has no such fields for this user, so a browser never sends them: this is
            # a hand-made request, refused rather than quietly half-applied.
            if refused & set(request.POST):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Roles go through the service (checks, record, announcement), not the form's save_m2m.
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            change_user_roles(user=form.instance, groups=groups, actor=request.user)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and not may_set_password(request.user, user):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST" and response.status_code == 302:
            # The admin's form has set the password: the account's sessions end, and the
            # account hears of it.
            passwords.record_password_set_by_administrator(
                request=request, user=user, actor=request.user
            )
        return response


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyMixin, GroupAdmin):
    """The role groups, read-only: their permissions are cases/roles.py's ROLE_PERMISSIONS,
    written after every migrate, and change in code review only."""


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every role granted or removed, for administrators and legal staff to read."""

    list_display = ["changed_at", "user", "role", "change", "actor"]
    list_filter = ["role", "change"]
    search_fields = ["user__username", "actor__username"]
    list_select_related = ["user", "actor"]
    date_hierarchy = "changed_at"
    fields = ["changed_at", "user", "role", "change", "actor"]


@admin.register(SecondFactorReset)
class SecondFactorResetAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every second-factor reset, for administrators and legal staff to read."""

    list_display = ["reset_at", "user", "actor"]
    search_fields = ["user__username", "actor__username"]
    list_select_related = ["user", "actor"]
    fields = ["reset_at", "user", "actor"]
