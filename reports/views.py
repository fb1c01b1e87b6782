"""The statistics pages under /staff/statistics/: figures as charts and tables, recompute, CSV
and PDF exports, and the status of a PDF being made.

Legal staff only (`cases.view_statistics`): anyone else signed in gets 403, and anonymous
visitors are sent to sign in. Exact counts are shown to those who may see every identity;
small cells are hidden for anyone else and in anything exported for sharing
(reports.statistics.suppression.must_suppress).

"Recompute now" runs in the request: the figures are eight aggregate queries over indexed
columns, quicker than a round trip through the broker, and the person who asked wants to see
them straight away. PDFs are different: they are made by Celery workers, and this page only
asks for one and shows its progress.
"""

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plumbing.form_errors import error_summary
from reports.access import may_download, visible_documents
from reports.charts import count_text, figure_panels
from reports.forms import StatisticsFilterForm, filters_query
from reports.models import Document, StatisticsSnapshot
from reports.services import DocumentError, request_statistics_document
from reports.statistics.filters import StatisticsFilters
from reports.statistics.snapshots import build_snapshot, current_figures
from reports.statistics.suppression import SMALL_CELL_THRESHOLD, figures_for, must_suppress
from reports.statistics_exports import describe_filters, export_metadata, export_rows


def statistics_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the sign-in page), with the statistics permission (else 403)."""
    return login_required(permission_required("cases.view_statistics", raise_exception=True)(view))


def _filters(data: Any) -> tuple[StatisticsFilterForm, StatisticsFilters]:
    form = StatisticsFilterForm(data)
    form.is_valid()
    return form, form.filters()


def _page_url(filters: StatisticsFilters) -> str:
    query = filters_query(filters)
    return reverse("reports:statistics") + (f"?{query}" if query else "")


@statistics_staff
@require_http_methods(["GET", "HEAD"])
def statistics_page(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.GET)
    current = current_figures(filters=filters)
    suppressed = must_suppress(request.user, for_sharing=False)
    figures = figures_for(current.figures, suppress=suppressed)
    threshold = SMALL_CELL_THRESHOLD
    context = {
        "form": form,
        "errors": error_summary([form]),
        "filters": filters,
        "described": describe_filters(filters),
        "computed_at": current.computed_at,
        "source": current.source,
        "suppressed": suppressed,
        "threshold": threshold,
        "threshold_minus_one": threshold - 1,
        "total_reports": count_text(figures["totals"]["reports"], threshold),
        "total_cases": count_text(figures["totals"]["cases"], threshold),
        "panels": figure_panels(figures),
        "csv_url": reverse("reports:csv") + "?" + filters_query(filters),
        "shareable_csv_url": reverse("reports:csv") + "?" + filters_query(filters, sharing="1"),
    }
    return render(request, "reports/statistics.html", context)


@statistics_staff
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request.POST)
    if form.is_valid():
        build_snapshot(
            filters=filters, actor=request.user, trigger=StatisticsSnapshot.Trigger.ON_DEMAND
        )
        messages.success(request, _("The figures were computed again just now."))
    else:
        messages.error(request, _("Correct the filters before computing the figures."))
    return redirect(_page_url(filters))


@statistics_staff
@require_http_methods(["GET", "HEAD"])
def export_csv(request: HttpRequest) -> HttpResponse:
    """Metadata lines (the filters, when the figures were computed), then one row per figure
    and category (the format: reports/statistics_exports.py). `sharing=1` hides small cells
    (always the case for someone who may not see every identity)."""
    form, filters = _filters(request.GET)
    if not form.is_valid():
        return redirect(_page_url(filters))
    for_sharing = request.GET.get("sharing") == "1"
    current = current_figures(filters=filters)
    suppress = must_suppress(request.user, for_sharing=for_sharing)
    figures = figures_for(current.figures, suppress=suppress)
    stamp = timezone.localtime(current.computed_at).strftime("%Y%m%d-%H%M")
    name = f"rights-desk-statistics-{stamp}{'-shareable' if suppress else '-internal'}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Statistics can change with every report; a shared or browser cache must not keep them.
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerows(
        export_metadata(
            described=describe_filters(filters),
            computed_at=current.computed_at,
            stored=current.source == "snapshot",
            exported_at=timezone.now(),
            threshold=SMALL_CELL_THRESHOLD if suppress else None,
        )
    )
    writer.writerows(export_rows(figures))
    return response


@statistics_staff
@require_POST
def export_pdf(request: HttpRequest) -> HttpResponse:
    """Ask the workers for a PDF of the figures for these filters, from the current snapshot
    (built now if there is none younger than a day), and show its progress."""
    form, filters = _filters(request.POST)
    if not form.is_valid():
        messages.error(request, _("Correct the filters before asking for a PDF."))
        return redirect(_page_url(filters))
    current = current_figures(filters=filters)
    snapshot = current.snapshot or build_snapshot(
        filters=filters, actor=request.user, trigger=StatisticsSnapshot.Trigger.ON_DEMAND
    )
    try:
        document = request_statistics_document(snapshot=snapshot, actor=request.user)
    except DocumentError as error:
        messages.error(request, error.message)
        return redirect(_page_url(filters))
    return redirect("reports:document", pk=document.pk)


@statistics_staff
@require_http_methods(["GET", "HEAD"])
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(
        visible_documents(request.user).select_related("snapshot"),
        pk=pk,
        kind=Document.Kind.STATISTICS,
    )
    if document.snapshot is None:
        raise Http404
    waiting = document.status in (Document.Status.QUEUED, Document.Status.RENDERING)
    context = {
        "document": document,
        "snapshot": document.snapshot,
        "described": describe_filters(StatisticsFilters.from_dict(document.snapshot.filters)),
        "waiting": waiting,
        "download_url": reverse("reports_api:document-download", kwargs={"pk": document.pk})
        if document.status == Document.Status.READY and may_download(request.user, document)
        else None,
        "back_url": _page_url(StatisticsFilters.from_dict(document.snapshot.filters)),
    }
    return render(request, "reports/statistics_document.html", context)
