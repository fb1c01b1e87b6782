"""/staff/access-log/: the access log for legal staff, filtered, paged, and as CSV.

Anyone signed in without `accesslog.view_accesslogentry` gets 403, as on the statistics pages;
anonymous visitors are sent to sign in.
"""

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accesslog.forms import AccessLogFilterForm
from accesslog.models import AccessLogEntry
from accesslog.selectors import access_log
from cases.pagination import CappedPaginator
from plumbing.form_errors import error_summary

PAGE_SIZE = 50
PERMISSION = "accesslog.view_accesslogentry"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ["when", "what", "user", "role", "case", "object", "address", "path"]


def safe_cell(value: Any) -> str:
    """`value` as text a spreadsheet shows as text: a leading ' defuses a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _row(entry: AccessLogEntry) -> list[str]:
    return [
        safe_cell(value)
        for value in (
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            entry.get_kind_display(),
            entry.username,
            entry.role,
            entry.case_reference,
            entry.object_id,
            entry.address or "",
            entry.path,
        )
    ]


class _Line:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Any) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow(_row(entry))


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def access_log_page(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET)
    form.is_valid()
    # Counts stop at COUNT_CAP ("more than 1000"): see cases/pagination.py.
    paginator = CappedPaginator(access_log(filters=form.filters()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "errors": error_summary([form]),
        "page": page,
        "total": paginator.shown_count,
        "total_capped": paginator.count_capped,
        "retention_days": settings.ACCESS_LOG_RETENTION_DAYS,
    }
    return render(request, "accesslog/access_log.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def access_log_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every row the filters match, streamed, so a year of the log never sits in memory."""
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "accesslog/access_log.html",
            {
                "form": form,
                "errors": error_summary([form]),
                "page": None,
                "retention_days": settings.ACCESS_LOG_RETENTION_DAYS,
            },
            status=400,
        )
    entries = access_log(filters=form.filters()).select_related(None)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rights-desk-access-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
