"""What the apps' admin classes share."""

from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyMixin:
    """For an admin class (or inline) that shows rows and never adds, changes or deletes them:
    what people filed, and the records of what was done, change only through the services,
    which record why."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
