"""Documents in the Django admin: read-only, for legal staff to audit who asked for what, when
it was rendered and how often it was downloaded (the history). Files are not served here: they
go out only through the download views, which check the role and record the download."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from plumbing.admin import ReadOnlyMixin
from reports.access import exportable_kinds, visible_documents
from reports.models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "id", "kind", "status", "case", "requested_by", "requested_at", "finished_at",
        "attempts", "pages", "download_count",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["case__reference", "sha256"]
    list_select_related = ["case", "requested_by"]
    date_hierarchy = "requested_at"
    fields = [
        "kind", "status", "case", "snapshot", "requested_by", "requested_at", "enqueued_at",
        "started_at", "finished_at", "attempts", "lease_holder", "lease_expires_at", "error",
        "pages", "size", "sha256", "download_count",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return visible_documents(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(exportable_kinds(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(exportable_kinds(request.user))
