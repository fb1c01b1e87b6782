"""Which figures the statistics hold: each breakdown (what it counts, by what, and whether its
categories add up to the total, which small-cell suppression must know) and each share (the
reports with one kind of encounter among all of them), with the labels of unknown months and
places. The figures, the suppression, the charts and the exports all read them from here."""

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _

WEAPONS_DRAWN = "weapons-drawn"
RECORDING_INTERFERED = "recording-interfered"


@dataclass(frozen=True)
class Breakdown:
    """One figure: counts of `unit` by one property.

    `partition` says each report (or case) falls in exactly one category, so the categories
    add up to the total; then one hidden cell could be recovered by subtraction, and
    suppression hides a second one (see `suppression.suppress_small_cells`).
    """

    name: str
    title: Any
    unit: Literal["reports", "cases"]
    category: Any
    partition: bool
    chart: Literal["bars", "columns"] = "bars"


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown("reports_by_kind", _("Reports by what agents did"), "reports",
              _("What agents did"), partition=False),
    Breakdown("reports_by_agency", _("Reports by agency"), "reports", _("Agency"),
              partition=False),
    Breakdown("reports_by_month", _("Reports by month of the encounter"), "reports",
              _("Month"), partition=True, chart="columns"),
    Breakdown("reports_by_city", _("Reports by city"), "reports", _("City"), partition=True),
    Breakdown("reports_by_basis", _("Reports by perceived basis"), "reports",
              _("Why the person believes they were stopped"), partition=False),
    Breakdown("cases_by_status", _("Cases by status"), "cases", _("Status"), partition=True),
    Breakdown("cases_by_priority", _("Cases by priority"), "cases", _("Priority"),
              partition=True),
)


@dataclass(frozen=True)
class Share:
    name: str
    kind_code: str
    title: Any


SHARES: tuple[Share, ...] = (
    Share("weapons_drawn", WEAPONS_DRAWN, _("Reports with weapons drawn")),
    Share("recording_interfered", RECORDING_INTERFERED,
          _("Reports where recording was interfered with")),
)

# The category of the reports whose encounter has no date, or no place.
UNKNOWN_MONTH_LABEL = _("Date not known")
UNKNOWN_CITY_LABEL = _("Place not known")
