"""What the statistics make to hand on: the PDF of a snapshot (rendered by a worker, always with
small cells hidden), the CSV export (with cells a spreadsheet would run as formulas defused), and
the filters as a person reads them, which both state, with when the figures were computed.

The CSV export, as a format:

- It begins with metadata lines. Each starts with "#" and is a CSV record of two fields, a name
  ("# Computed at") and its value, so a reader that skips comment lines (pandas'
  `comment="#"`, R's `comment.char`) skips them all, and one that does not can read them as
  pairs. In order: the title; each filter applied ("# Encounters on or after", "# Encounters on
  or before", "# Agency", agencies separated by "; "), or "# Filters" with "None" when there
  are none; "# Computed at", when the figures were computed (ISO 8601 with the UTC offset: the
  stored snapshot's time when the page served one, else the moment they were computed for the
  download); "# Figures", which of the two; "# Exported at", the download's own time; "# Time
  zone", the zone both times and the date filters are in; "# Counts", whether small counts are
  hidden. Names and words are in the language of the person who downloaded it; the times and
  dates are not.
- Then a header row, `figure,category,label,count,total,share`, and one row per figure and
  category (`export_rows`).

Above reports/statistics/ (the figures) and reports/charts.py (the panels), which import
neither this module nor each other's callers.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _

from intake.models import Agency
from intake.staff_labels import agency_name_for
from reports.charts import count_text, figure_panels
from reports.models import Document
from reports.rendering import RenderResult, html_to_pdf
from reports.statistics.breakdowns import BREAKDOWNS, SHARES
from reports.statistics.filters import StatisticsFilters
from reports.statistics.suppression import SMALL, SMALL_CELL_THRESHOLD, suppress_small_cells

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
        described = describe_filters(StatisticsFilters.from_dict(snapshot.filters))
        html = render_to_string(
            "reports/statistics_pdf.html",
            {
                "document": document,
                "snapshot": snapshot,
                "totals": {name: count_text(value) for name, value in figures["totals"].items()},
                "panels": figure_panels(figures),
                "filters": described,
                "applied": applied_filters(described),
                "computed_iso": iso_time(snapshot.computed_at),
                "time_zone": timezone.get_current_timezone_name(),
                "threshold": SMALL_CELL_THRESHOLD,
                "threshold_minus_one": SMALL_CELL_THRESHOLD - 1,
                "generated_at": timezone.now(),
            },
        )
    return html_to_pdf(html)


def describe_filters(filters: StatisticsFilters) -> dict[str, Any]:
    """The filters as a person reads them (agency names, not codes); one query at most."""
    names = (
        [
            agency_name_for(code, name)
            for code, name in Agency.objects.filter(code__in=filters.agencies).values_list(
                "code", "name"
            )
        ]
        if filters.agencies
        else []
    )
    return {
        "occurred_from": filters.occurred_from,
        "occurred_to": filters.occurred_to,
        "agencies": names,
    }


def applied_filters(described: dict[str, Any]) -> list[tuple[str, str]]:
    """Each filter applied, as (name, value) with dates in ISO 8601 and agencies by name; one
    pair saying there are none when none are. Both exports state them so."""
    pairs: list[tuple[str, str]] = []
    if described["occurred_from"]:
        pairs.append((_now("Encounters on or after"), described["occurred_from"].isoformat()))
    if described["occurred_to"]:
        pairs.append((_now("Encounters on or before"), described["occurred_to"].isoformat()))
    if described["agencies"]:
        pairs.append((_now("Agency"), "; ".join(described["agencies"])))
    return pairs or [(_now("Filters"), _now("None: all reports and cases"))]


def iso_time(moment: datetime) -> str:
    """`moment` in ISO 8601 in the current time zone, to the second, with its UTC offset."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ["figure", "category", "label", "count", "total", "share"]
# A spreadsheet runs a cell that starts with one of these as a formula; city names are typed
# by the public, so such a cell is written with a leading apostrophe instead.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def export_metadata(
    *,
    described: dict[str, Any],
    computed_at: datetime,
    stored: bool,
    exported_at: datetime,
    threshold: int | None,
) -> list[list[str]]:
    """The metadata lines the CSV export begins with (see the module's docstring): the
    filters, when the figures were computed and exported, and whether small counts are hidden
    (`threshold`, or None for exact counts)."""
    counts = (
        _now("Exact, for legal staff")
        if threshold is None
        else _now(
            "Counts from 1 to %(last)s are shown as <%(threshold)s, and a count that would "
            "give one of them away as hidden"
        )
        % {"last": threshold - 1, "threshold": threshold}
    )
    rows = [
        ["# " + _now("Rights Desk statistics")],
        *(["# " + name, value] for name, value in applied_filters(described)),
        ["# " + _now("Computed at"), iso_time(computed_at)],
        [
            "# " + _now("Figures"),
            _now("Stored figures") if stored else _now("Computed for this export"),
        ],
        ["# " + _now("Exported at"), iso_time(exported_at)],
        ["# " + _now("Time zone"), timezone.get_current_timezone_name()],
        ["# " + _now("Counts"), counts],
    ]
    # The names start with "#"; a value typed in the admin (an agency's name) is defused too.
    return [[row[0], *(_cell(value) for value in row[1:])] for row in rows]


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
