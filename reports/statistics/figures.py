"""The figures themselves: `compute_figures`, from the running tallies without filters and by
scanning the tables with them, both shaped by the same code into plain JSON-ready data."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date

from cases.models import Case
from intake.models import Agency, Encounter, EncounterKind, PerceivedBasis, Report
from plumbing.replica import lag_tolerant
from reports import tallies
from reports.statistics.breakdowns import SHARES, UNKNOWN_CITY_LABEL, UNKNOWN_MONTH_LABEL
from reports.statistics.filters import (
    StatisticsFilters,
    filtered_encounters,
    filtered_reports,
    is_filtered,
)
from reports.statistics.suppression import SMALL_CELL_THRESHOLD

# Bumped when the shape of `figures` changes; older snapshots are then recomputed, not served.
FIGURES_VERSION = 1


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
        filtered_encounters(filters)
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
    if not is_filtered(filters):
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
    if is_filtered(filters):
        links = links.filter(encounter__in=filtered_encounters(filters))
    rows = links.values(code=F(f"{target}__code")).annotate(n=Count("pk"))
    return {row["code"]: row["n"] for row in rows}


def _scan_cases(filters: StatisticsFilters) -> dict[tuple[str, int], int]:
    """Cases with a matching report, not merged into another, by status and priority."""
    reports = filtered_reports(filters)
    cases = Case.objects.filter(
        Exists(reports.filter(case=OuterRef("pk"))), merged_into__isnull=True
    ).order_by()
    return {
        (status, priority): n
        for status, priority, n in cases.values_list("status", "priority").annotate(n=Count("pk"))
    }


def _labels() -> dict[str, dict[str, str]]:
    """The current name of every kind, agency and basis, by code: one query."""
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
    if is_filtered(filters) or scan:
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
