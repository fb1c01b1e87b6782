"""Reading the access log. Legal staff only: the views check `accesslog.view_accesslogentry`."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from accesslog.models import AccessLogEntry
from plumbing.day_ranges import within_days


@dataclass(frozen=True)
class AccessLogFilters:
    username: str = ""
    case_reference: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def access_log(*, filters: AccessLogFilters) -> QuerySet[AccessLogEntry]:
    """The log, newest first, narrowed by `filters`; dates are whole days in the site's zone
    (plumbing/day_ranges.py)."""
    rows = AccessLogEntry.objects.select_related("user")
    if filters.username:
        rows = rows.filter(username=filters.username)
    if filters.case_reference:
        rows = rows.filter(case_reference=filters.case_reference)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    rows = rows.filter(within_days("at", filters.date_from, filters.date_to))
    return rows.order_by("-at", "-pk")


def recent_case_views(*, reference: str, limit: int) -> list[AccessLogEntry]:
    """The latest `limit` reads of the case: its page, its API answers, its history, its
    documents and evidence files. One query; names come from the row, not the account."""
    return list(
        AccessLogEntry.objects.filter(case_reference=reference).order_by("-at", "-pk")[:limit]
    )
