"""What the statistics make to hand on: the PDF of a snapshot (rendered by a worker, always with
small cells hidden), the CSV export (with cells a spreadsheet would run as formulas defused), and
the filters as a person reads them, which both state.

Above reports/statistics.py (the figures) and reports/charts.py (the panels), which import
neither this module nor each other's callers.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from intake.models import Agency
from reports.charts import count_text, figure_panels
from reports.models import Document
from reports.rendering import RenderResult, html_to_pdf
from reports.statistics import (
    BREAKDOWNS,
    SHARES,
    SMALL,
    SMALL_CELL_THRESHOLD,
    StatisticsFilters,
    suppress_small_cells,
)

# --- PDF ---------------------------------------------------------------------------------------


def render_statistics_pdf(*, document: Document) -> RenderResult:
    """Render a statistics document (kind "statistics", with a snapshot) to PDF.

    A PDF is made to be handed on, and a document carries no audience of its own, so its
    figures are always the suppressed ones: exact counts stay on the page and in the internal
    CSV export.
    """
    snapshot = document.snapshot
    if snapshot is None:
        raise ValueError("A statistics document needs a snapshot.")
    figures = suppress_small_cells(snapshot.figures)
    zone = timezone.get_default_timezone()
    with timezone.override(zone), translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "reports/statistics_pdf.html",
            {
                "document": document,
                "snapshot": snapshot,
                "totals": {name: count_text(value) for name, value in figures["totals"].items()},
                "panels": figure_panels(figures),
                "filters": describe_filters(StatisticsFilters.from_dict(snapshot.filters)),
                "threshold": SMALL_CELL_THRESHOLD,
                "threshold_minus_one": SMALL_CELL_THRESHOLD - 1,
                "generated_at": timezone.now(),
            },
        )
    return html_to_pdf(html)


def describe_filters(filters: StatisticsFilters) -> dict[str, Any]:
    """The filters as a person reads them (agency names, not codes); one query at most."""
    names = (
        list(Agency.objects.filter(code__in=filters.agencies).values_list("name", flat=True))
        if filters.agencies
        else []
    )
    return {
        "occurred_from": filters.occurred_from,
        "occurred_to": filters.occurred_to,
        "agencies": names,
    }


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ["figure", "category", "label", "count", "total", "share"]
# A spreadsheet runs a cell that starts with one of these as a formula; city names are typed
# by the public, so such a cell is written with a leading apostrophe instead.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def export_rows(figures: dict[str, Any]) -> list[list[str]]:
    """The figures as CSV rows, one per figure and category (header first). A hidden count
    is written "<5" and its share left empty."""
    threshold = figures.get("suppression", {}).get("threshold", SMALL_CELL_THRESHOLD)

    def count(value: int | None, reason: str | None = SMALL) -> str:
        if value is not None:
            return str(value)
        return f"<{threshold}" if reason == SMALL else "hidden"

    rows = [CSV_HEADER]
    for name, label in (("reports", _("Reports")), ("cases", _("Cases"))):
        rows.append(["totals", name, str(label), count(figures["totals"][name]), "", ""])
    for breakdown in BREAKDOWNS:
        for entry in figures.get(breakdown.name, []):
            rows.append(
                [
                    breakdown.name,
                    entry["key"] or "",
                    entry["label"],
                    count(entry["count"], entry["suppressed"]),
                    "",
                    "",
                ]
            )
    for share in SHARES:
        data = figures["shares"][share.name]
        rows.append(
            [
                "share",
                share.name,
                str(share.title),
                count(data["count"]),
                count(data["total"]),
                "" if data["share"] is None else f"{data['share']:.4f}",
            ]
        )
    return [[_cell(value) for value in row] for row in rows]
