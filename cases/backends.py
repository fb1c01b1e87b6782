"""Django's model permissions, read in one query instead of two."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelPermissionBackend(ModelBackend):
    """ModelBackend, with a user's permissions read in one query.

    Every staff page and API call checks a role permission (cases/roles.py grants them to
    groups). Django's backend reads the user's own permissions and their groups' in two
    queries; here one UNION reads both, into the same per-user cache `has_perm` uses.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.order_by().values_list(*fields)
            else:
                own = Permission.objects.filter(user=user_obj).order_by().values_list(*fields)
                grouped = (
                    Permission.objects.filter(group__user=user_obj).order_by().values_list(*fields)
                )
                rows = own.union(grouped)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache
