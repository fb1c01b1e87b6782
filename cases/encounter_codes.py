"""The kind and agency codes of a case's encounters, kept on the case for the queue's filters.

Filtering a million cases by agency through reports, encounters and link tables costs four
index lookups per case looked at, and the counts per status look at thousands. Stored on the
case as `" code code "`, the same filter is a substring test of a column of the row already
read. `submit_report` writes them with the new case; a report added to a case, or moved by a
merge, refreshes them here.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q

from cases.models import Case
from intake import reference
from intake.models import Agency, Encounter, EncounterKind


def codes_value(codes: Iterable[str]) -> str:
    """The stored form: sorted distinct codes, each between spaces; "" for none."""
    unique = sorted(set(codes))
    return f" {' '.join(unique)} " if unique else ""


def has_code(field: str, code: str) -> Q:
    """Cases whose `field` ("kind_codes" or "agency_codes") holds `code`."""
    return Q(**{f"{field}__contains": f" {code} "})


def kinds_of(case: Case) -> list[EncounterKind]:
    """The encounter kinds of the case's reports, from its stored codes and the reference table
    kept in memory (no query), in the table's order."""
    return _rows(EncounterKind, case.kind_codes)


def agencies_of(case: Case) -> list[Agency]:
    """The agencies of the case's reports, as `kinds_of`."""
    return _rows(Agency, case.agency_codes)


def _rows(model: type[Model], stored: str) -> list[Any]:
    codes = set(stored.split())
    if not codes:
        return []
    return [row for code, row in reference.rows_by_code(model).items() if code in codes]


def refresh_encounter_codes(case_ids: Iterable[int]) -> None:
    """Recompute the stored codes of the given cases: two queries to read, one per case to
    write."""
    ids = list(case_ids)
    kinds: dict[int, list[str]] = {pk: [] for pk in ids}
    agencies: dict[int, list[str]] = {pk: [] for pk in ids}
    encounters = Encounter.objects.filter(report__case_id__in=ids)
    for pk, code in encounters.filter(kinds__isnull=False).values_list(
        "report__case_id", "kinds__code"
    ):
        kinds[pk].append(code)
    for pk, code in encounters.filter(agencies__isnull=False).values_list(
        "report__case_id", "agencies__code"
    ):
        agencies[pk].append(code)
    for pk in ids:
        Case.objects.filter(pk=pk).update(
            kind_codes=codes_value(kinds[pk]), agency_codes=codes_value(agencies[pk])
        )
