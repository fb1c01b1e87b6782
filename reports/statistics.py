"""Statistics: how many reports and cases, by what happened, who did it, when, where and why.

Without filters, the figures are read from running tallies that every report and case change
keeps current (reports/tallies.py): one query of a few hundred rows, at ten reports or a
million. With filters (a date range, agencies), every figure is a database aggregation over
the tables, the same five queries (six without filters, when asked to `scan`) at any size:
the total, months and places come from one grouping of encounters by month and place; kinds,
agencies and perceived bases are counted on their link tables; cases by status and by
priority are one grouping. Python only reshapes the groups either way, with the same code, so
both give the same figures (docs/performance.md has the plans and the timings).

Figures are stored in a `StatisticsSnapshot` (nightly by beat, and on demand) exactly as
computed. Small cells are hidden when figures leave legal staff (`must_suppress`,
`suppress_small_cells`); snapshots themselves always hold the exact counts. What is made from
the figures to hand on (the PDF, the CSV) is in reports/statistics_exports.py.
"""

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from intake.models import Encounter, Report
from plumbing.day_ranges import within_days
from plumbing.replica import lag_tolerant
from plumbing.typing import User
from reports import tallies
from reports.models import StatisticsSnapshot

# Bumped when the shape of `figures` changes; older snapshots are then recomputed, not served.
FIGURES_VERSION = 1
# A count of 1 to 4 could point at a person; below this, exported counts are hidden.
SMALL_CELL_THRESHOLD = 5
# The API and the page serve a stored snapshot younger than this instead of recomputing.
SNAPSHOT_MAX_AGE = timedelta(hours=24)

WEAPONS_DRAWN = "weapons-drawn"
RECORDING_INTERFERED = "recording-interfered"


@dataclass(frozen=True)
class Breakdown:
    """One figure: counts of `unit` by one property.

    `partition` says each report (or case) falls in exactly one category, so the categories
    add up to the total; then one hidden cell could be recovered by subtraction, and
    suppression hides a second one (see `suppress_small_cells`).
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

# Why a count is hidden (see suppress_small_cells); None where it is not.
SMALL = "small"
COMPLEMENTARY = "complementary"

UNKNOWN_MONTH_LABEL = _("Date not known")
UNKNOWN_CITY_LABEL = _("Place not known")


# --- Filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsFilters:
    """Which reports count: encounters on or between two days (in the metro area's time zone)
    and, if any agency codes are given, encounters involving at least one of them."""

    occurred_from: date | None = None
    occurred_to: date | None = None
    agencies: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # Canonical: the same filters always give the same key, however they were written.
        object.__setattr__(self, "agencies", tuple(sorted(set(self.agencies))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "occurred_from": self.occurred_from.isoformat() if self.occurred_from else None,
            "occurred_to": self.occurred_to.isoformat() if self.occurred_to else None,
            "agencies": list(self.agencies),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StatisticsFilters":
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            occurred_from=day(data.get("occurred_from")),
            occurred_to=day(data.get("occurred_to")),
            agencies=tuple(data.get("agencies") or ()),
        )

    @property
    def key(self) -> str:
        """SHA-256 of the canonical JSON of the filters: the snapshot lookup key."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _filtered_reports(filters: StatisticsFilters) -> QuerySet[Report]:
    reports = Report.objects.all()
    # The days a range covers are the metro area's (plumbing/day_ranges.py).
    reports = reports.filter(
        within_days("encounter__occurred_at", filters.occurred_from, filters.occurred_to)
    )
    if filters.agencies:
        # A subquery rather than a join, so a report with two matching agencies counts once.
        involved = Encounter.agencies.through.objects.filter(
            encounter__report=OuterRef("pk"), agency__code__in=filters.agencies
        )
        reports = reports.filter(Exists(involved))
    return reports.order_by()


def _is_filtered(filters: StatisticsFilters) -> bool:
    return bool(filters.occurred_from or filters.occurred_to or filters.agencies)


def _filtered_encounters(filters: StatisticsFilters) -> QuerySet[Encounter]:
    """The encounters of the reports `_filtered_reports` keeps: every filter is on the
    encounter, so the figures grouped by encounter need not read the reports."""
    encounters = Encounter.objects.filter(
        within_days("occurred_at", filters.occurred_from, filters.occurred_to)
    )
    if filters.agencies:
        involved = Encounter.agencies.through.objects.filter(
            encounter=OuterRef("pk"), agency__code__in=filters.agencies
        )
        encounters = encounters.filter(Exists(involved))
    return encounters.order_by()


# --- Figures -----------------------------------------------------------------------------------


def _entry(key: str | None, label: Any, count: int) -> dict[str, Any]:
    return {"key": key, "label": str(label), "count": count, "suppressed": None}


# Each figure is counted either by scanning the tables (with filters) or from the running
# tallies (without; reports/tallies.py). Both give the same raw counts, shaped here alike.


def _first_day(month: str) -> date:
    """The first day of a "YYYY-MM" month. Python writes years before 1000 with fewer digits
    ("1-01" for January of year 1), so the year is read up to the last dash."""
    year, number = month.rsplit("-", 1)
    return date(int(year), int(number), 1)


def _months_and_places(
    places: dict[tuple[str, str], int],
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """The number of reports, and reports by month and by city, from counts by (YYYY-MM or "",
    the city as typed and trimmed, or "")."""
    months: dict[str, int] = {}
    # People type city names freely: "Minneapolis", "minneapolis " and "MINNEAPOLIS" are one,
    # shown under the first of its spellings in sort order.
    cities: dict[str, tuple[int, str]] = {}
    for (month, city), n in places.items():
        months[month] = months.get(month, 0) + n
        count, name = cities.get(city.lower(), (0, city))
        cities[city.lower()] = (count + n, min(name, city))
    total = sum(months.values())

    unknown = months.pop("", 0)
    by_month = [
        _entry(f"{day.year:04d}-{day.month:02d}", format_date(day, "F Y"), n)
        for day, n in sorted((_first_day(month), n) for month, n in months.items())
    ]
    if unknown:
        by_month.append(_entry(None, UNKNOWN_MONTH_LABEL, unknown))
    nowhere = cities.pop("", (0, ""))[0]
    by_city = [
        _entry(place, name, count)
        for place, (count, name) in sorted(cities.items(), key=lambda item: (-item[1][0], item[0]))
    ]
    if nowhere:
        by_city.append(_entry(None, UNKNOWN_CITY_LABEL, nowhere))
    return total, by_month, by_city


def _reference_entries(
    counts: dict[str, int], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Reports per reference row (kind, agency, basis), most first, then by name."""
    rows = [(code, labels.get(code, code), n) for code, n in counts.items() if n]
    rows.sort(key=lambda row: (-row[2], row[1]))
    return [_entry(code, label, n) for code, label, n in rows]


def _case_entries(
    counts: dict[tuple[str, int], int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Cases by status and by priority, from counts by both."""
    by_status: dict[str, int] = {}
    by_priority: dict[int, int] = {}
    for (status, priority), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
        by_priority[priority] = by_priority.get(priority, 0) + n
    return (
        [_entry(str(value), label, by_status.get(value, 0))
         for value, label in Case.Status.choices],
        [_entry(str(value), label, by_priority.get(value, 0))
         for value, label in sorted(Case.Priority.choices, reverse=True)],
    )


def _scan_places(filters: StatisticsFilters) -> dict[tuple[str, str], int]:
    """Reports by (month, place), from one grouping of their encounters: a few hundred groups.

    A report has at most one encounter, so grouping encounters groups reports. Every filter is
    on the encounter, so with filters every report counted has one; without, the reports that
    have none are counted apart (one index-only count) and fall under "not known"."""
    zone = timezone.get_default_timezone()
    rows = (
        _filtered_encounters(filters)
        .values(place=Trim(Coalesce("city", Value(""))),
                month=TruncMonth("occurred_at", tzinfo=zone))
        .annotate(n=Count("pk"))
    )
    places: dict[tuple[str, str], int] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month, zone) if timezone.is_aware(month) else month
        key = (f"{month:%Y-%m}" if month else "", row["place"])
        places[key] = places.get(key, 0) + row["n"]
    if not _is_filtered(filters):
        without = Report.objects.count() - sum(places.values())
        if without:
            places[("", "")] = places.get(("", ""), 0) + without
    return places


def _scan_references(filters: StatisticsFilters, relation: str) -> dict[str, int]:
    """Reports per reference code linked to the encounter (kinds, agencies, bases).

    Counted on the link table itself: a report has at most one encounter, and a link is unique
    per encounter and row, so each link is one report and no DISTINCT (a sort of a million
    report ids) is needed."""
    field = Encounter._meta.get_field(relation)
    target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
    links = field.remote_field.through.objects.order_by()  # type: ignore[union-attr]
    if _is_filtered(filters):
        links = links.filter(encounter__in=_filtered_encounters(filters))
    rows = links.values(code=F(f"{target}__code")).annotate(n=Count("pk"))
    return {row["code"]: row["n"] for row in rows}


def _scan_cases(filters: StatisticsFilters) -> dict[tuple[str, int], int]:
    """Cases with a matching report, not merged into another, by status and priority."""
    reports = _filtered_reports(filters)
    cases = Case.objects.filter(
        Exists(reports.filter(case=OuterRef("pk"))), merged_into__isnull=True
    ).order_by()
    return {
        (status, priority): n
        for status, priority, n in cases.values_list("status", "priority").annotate(n=Count("pk"))
    }


def _labels() -> dict[str, dict[str, str]]:
    """The current name of every kind, agency and basis, by code: one query."""
    from intake.models import Agency, EncounterKind, PerceivedBasis

    tables = (("kinds", EncounterKind, "label"), ("agencies", Agency, "name"),
              ("perceived_basis", PerceivedBasis, "label"))
    first, *rest = (
        model.objects.order_by().values_list(Value(relation), "code", label)
        for relation, model, label in tables
    )
    labels: dict[str, dict[str, str]] = {relation: {} for relation, _, _ in tables}
    for relation, code, label in first.union(*rest, all=True):
        labels[relation][code] = label
    return labels


# Figures a few seconds old are as good as exact: the replica may answer (plumbing/replica.py).
@lag_tolerant()
def compute_figures(*, filters: StatisticsFilters, scan: bool = False) -> dict[str, Any]:
    """Every figure for `filters`, as plain JSON-ready data, in a fixed number of queries.

    Without filters the counts come from the running tallies (one query, whatever the size);
    with filters, or with `scan`, from the tables. Reports are counted once per category they
    fall in (a report of a stop where guns were drawn and a phone knocked away counts under
    both kinds). Cases count if any of their reports matches the filters; cases merged into
    another are left out (their reports now belong to the survivor, which counts instead).
    """
    if _is_filtered(filters) or scan:
        places = _scan_places(filters)
        references = {relation: _scan_references(filters, relation)
                      for relation in tallies.REFERENCE_FIGURES}
        case_counts = _scan_cases(filters)
    else:
        counted = tallies.read_tallies()
        places = counted.places
        references = {relation: counted.references[figure]
                      for relation, figure in tallies.REFERENCE_FIGURES.items()}
        case_counts = counted.cases
    labels = _labels()
    with translation.override(settings.LANGUAGE_CODE):
        total_reports, by_month, by_city = _months_and_places(places)
        by_kind = _reference_entries(references["kinds"], labels["kinds"])
        # A report has a kind exactly when its encounter links to it: the shares are counts
        # of kinds already made.
        with_kind = {entry["key"]: entry["count"] for entry in by_kind}
        by_status, by_priority = _case_entries(case_counts)
        return {
            "version": FIGURES_VERSION,
            "filters": filters.as_dict(),
            "totals": {
                "reports": total_reports,
                "cases": sum(entry["count"] for entry in by_status),
            },
            "reports_by_kind": by_kind,
            "reports_by_agency": _reference_entries(references["agencies"], labels["agencies"]),
            "reports_by_month": by_month,
            "reports_by_city": by_city,
            "reports_by_basis": _reference_entries(
                references["perceived_basis"], labels["perceived_basis"]
            ),
            "cases_by_status": by_status,
            "cases_by_priority": by_priority,
            "shares": {
                share.name: {
                    "count": with_kind.get(share.kind_code, 0),
                    "total": total_reports,
                    "share": round(with_kind.get(share.kind_code, 0) / total_reports, 4)
                    if total_reports
                    else None,
                    "suppressed": None,
                }
                for share in SHARES
            },
            "suppression": {"applied": False, "threshold": SMALL_CELL_THRESHOLD},
        }


# --- Small-cell suppression --------------------------------------------------------------------


def must_suppress(user: User | None, *, for_sharing: bool) -> bool:
    """Whether figures shown or exported to `user` must hide small cells.

    Exact counts stay with legal staff, who may see every identity anyway
    (`cases.view_all_identities`), and only for their own use: anything marked for sharing
    (a CSV or PDF to hand to a community group, the press or an oversight body) is suppressed
    whoever asks for it, and so is everything shown to anyone without that permission.
    """
    if for_sharing or user is None or not user.is_authenticated or not user.is_active:
        return True
    return not user.has_perm("cases.view_all_identities")  # type: ignore[attr-defined]  # AbstractBaseUser lacks it; the auth User has it


def _small(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def suppress_small_cells(
    figures: dict[str, Any], threshold: int = SMALL_CELL_THRESHOLD
) -> dict[str, Any]:
    """A copy of `figures` in which no count from 1 to `threshold - 1` can be read or worked
    out. Hidden counts become None, with `suppressed` saying why:

    - "small": the count itself is 1 to 4 (shown as "<5"); totals of 1 to 4 become None too;
    - "complementary": where categories add up to a published total (months, cities,
      statuses, priorities) and only one cell was hidden, the total minus the others would
      give it away, so the next smallest cell is hidden as well (shown as "hidden");
    - a share is hidden with its count ("small") when that count is 1 to 4, or when its total
      is, so no share can be multiplied back into a hidden count.
    """
    result = copy.deepcopy(figures)
    for name in ("reports", "cases"):
        if _small(result["totals"].get(name), threshold):
            result["totals"][name] = None
    for breakdown in BREAKDOWNS:
        entries = result.get(breakdown.name, [])
        for entry in entries:
            if _small(entry["count"], threshold):
                entry.update(count=None, suppressed=SMALL)
        hidden = [entry for entry in entries if entry["suppressed"]]
        shown = [entry for entry in entries if not entry["suppressed"] and entry["count"]]
        if breakdown.partition and len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda entry: entry["count"])
            smallest.update(count=None, suppressed=COMPLEMENTARY)
    for share in result.get("shares", {}).values():
        if _small(share["count"], threshold) or _small(share["total"], threshold):
            share.update(count=None, share=None, suppressed=SMALL)
        if _small(share["total"], threshold):
            share["total"] = None
    result["suppression"] = {"applied": True, "threshold": threshold}
    return result


def figures_for(figures: dict[str, Any], *, suppress: bool) -> dict[str, Any]:
    return suppress_small_cells(figures) if suppress else figures


# --- Snapshots ---------------------------------------------------------------------------------


@transaction.atomic
def build_snapshot(
    *,
    filters: StatisticsFilters,
    actor: Any = None,
    trigger: str = StatisticsSnapshot.Trigger.ON_DEMAND,
) -> StatisticsSnapshot:
    """Compute the figures for `filters` now and store them, with a history row saying who
    asked (nobody, for the nightly run) and why."""
    snapshot = StatisticsSnapshot(
        filters=filters.as_dict(),
        filters_key=filters.key,
        figures=compute_figures(filters=filters),
        computed_at=timezone.now(),
        trigger=trigger,
        requested_by=actor,
    )
    snapshot._history_user = actor  # type: ignore[attr-defined]
    snapshot._change_reason = (  # type: ignore[attr-defined]
        "Nightly statistics" if trigger == StatisticsSnapshot.Trigger.NIGHTLY
        else "Statistics recomputed on request"
    )
    snapshot.save()
    return snapshot


@lag_tolerant()
def latest_snapshot(filters: StatisticsFilters) -> StatisticsSnapshot | None:
    """The newest snapshot for exactly these filters, of the current figures format."""
    for snapshot in StatisticsSnapshot.objects.filter(filters_key=filters.key).order_by(
        "-computed_at", "-pk"
    )[:1]:
        if snapshot.figures.get("version") == FIGURES_VERSION:
            return snapshot
    return None


@dataclass(frozen=True)
class CurrentFigures:
    figures: dict[str, Any]
    computed_at: datetime
    source: Literal["snapshot", "live"]
    snapshot: StatisticsSnapshot | None


def current_figures(
    *, filters: StatisticsFilters, fresh: bool = False, max_age: timedelta = SNAPSHOT_MAX_AGE
) -> CurrentFigures:
    """The latest snapshot for `filters` if it is younger than `max_age`, else figures
    computed now (and not stored: reading never writes). `fresh` always computes."""
    if not fresh:
        snapshot = latest_snapshot(filters)
        if snapshot is not None and snapshot.computed_at > timezone.now() - max_age:
            return CurrentFigures(snapshot.figures, snapshot.computed_at, "snapshot", snapshot)
    return CurrentFigures(compute_figures(filters=filters), timezone.now(), "live", None)
