"""The kind and agency codes stored on each case follow its reports: filed, added by staff,
moved by a merge, and filled in for cases stored before the codes existed."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from cases.encounter_codes import codes_value, refresh_encounter_codes
from cases.models import Case
from cases.selectors import QueueFilters, case_queue, status_counts
from cases.services import merge_cases
from intake.models import Report
from intake.services import submit_report
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _file(*, case: Case | None = None, actor=None, **encounter) -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(**encounter))
    channel = Report.Channel.WEB if case is None else Report.Channel.STAFF
    return submit_report(submission=submission, channel=channel, case=case, actor=actor).report.case


def _codes(case: Case) -> tuple[str, str]:
    case.refresh_from_db(fields=["kind_codes", "agency_codes"])
    return case.kind_codes, case.agency_codes


def _refs(user, **filters) -> set[str]:
    return {c.reference for c in case_queue(user=user, filters=QueueFilters(**filters))}


def test_codes_are_sorted_distinct_and_bounded_by_spaces():
    assert codes_value(["ice", "cbp", "ice"]) == " cbp ice "
    assert codes_value([]) == ""


def test_a_new_case_stores_the_codes_of_its_report():
    case = _file(kind_codes=("weapons-drawn", "boxed-in"), agency_codes=("ice", "ice-ero"))
    assert _codes(case) == (" boxed-in weapons-drawn ", " ice ice-ero ")


def test_an_agency_filter_matches_whole_codes_only(liaison):
    ero = _file(agency_codes=("ice-ero",))
    ice = _file(agency_codes=("ice",))
    assert _refs(liaison, agencies=("ice",)) == {ice.reference}
    assert _refs(liaison, agencies=("ice-ero",)) == {ero.reference}
    assert _refs(liaison, agencies=("ice", "ice-ero")) == {ice.reference, ero.reference}


def test_a_report_added_by_staff_adds_its_codes(legal, liaison):
    case = _file(kind_codes=("boxed-in",), agency_codes=("cbp",))
    _file(case=case, actor=legal, kind_codes=("injury",), agency_codes=("border-patrol",))
    assert _codes(case) == (" boxed-in injury ", " border-patrol cbp ")
    assert _refs(liaison, agencies=("border-patrol",), kinds=("injury",)) == {case.reference}


def test_a_merge_gives_the_survivor_the_duplicates_codes_and_empties_the_duplicates(legal):
    survivor = _file(kind_codes=("boxed-in",), agency_codes=("cbp",))
    duplicate = _file(kind_codes=("weapons-drawn",), agency_codes=("ice",))
    merge_cases(
        survivor=survivor,
        duplicates=[duplicate],
        actor=legal,
        reason="Same stop",
        expected_version=None,
    )
    assert _codes(survivor) == (" boxed-in weapons-drawn ", " cbp ice ")
    assert _codes(duplicate) == ("", "")
    counts = status_counts(user=legal, filters=QueueFilters(agencies=("ice",)))
    assert counts["new"] == 1 and counts["closed"] == 0


def test_the_migration_fills_in_the_codes_of_cases_stored_before_them(legal):
    first = _file(kind_codes=("weapons-drawn", "boxed-in"), agency_codes=("ice", "cbp"))
    second = _file(kind_codes=(), agency_codes=("border-patrol",))
    _file(case=second, actor=legal, kind_codes=("injury",), agency_codes=("ice",))
    expected = {pk: _codes(Case.objects.get(pk=pk)) for pk in (first.pk, second.pk)}
    Case.objects.update(kind_codes="", agency_codes="")
    migration = importlib.import_module("cases.migrations.0005_case_encounter_codes")
    migration.fill_codes(apps, SimpleNamespace(connection=connection))
    assert {pk: _codes(Case.objects.get(pk=pk)) for pk in expected} == expected
    Case.objects.update(kind_codes="", agency_codes="")
    refresh_encounter_codes(expected)
    assert {pk: _codes(Case.objects.get(pk=pk)) for pk in expected} == expected


def test_postgresql_indexes_the_stored_codes_for_substring_lookups(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
            "AND indexname LIKE 'case_%_codes_trgm'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"case_agency_codes_trgm", "case_kind_codes_trgm"}
    assert all("gin_trgm_ops" in definition and "merged_into_id IS NULL" in definition
               for definition in indexes.values())
