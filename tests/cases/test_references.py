"""Case references, RD-<year>-<number> (cases/references.py): unique, counted per year from 1,
continuing after the numbers a year already used; on PostgreSQL a rolled-back intake burns its
number, and nothing carries it."""

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection

from cases.models import Case, CaseSequence
from cases.references import next_reference, sequence_name
from intake import services as intake_services
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cases.migrations.0011_case_reference_sequences")


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def _file() -> Case:
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _forget_sequences(*years: int) -> None:
    """Years these tests count from scratch: no sequence left by an earlier committed test."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for year in years:
                cursor.execute(f'DROP SEQUENCE IF EXISTS "{sequence_name(year)}"')


def _case(reference: str) -> Case:
    return Case.objects.create(reference=reference, title="Written outside the services")


def test_a_new_year_starts_at_one_and_years_are_counted_apart():
    _forget_sequences(2098, 2099)
    assert next_reference(2099) == "RD-2099-000001"
    assert next_reference(2099) == "RD-2099-000002"
    assert next_reference(2098) == "RD-2098-000001"
    assert next_reference(2099) == "RD-2099-000003"


def test_a_rolled_back_intake_leaves_its_number_to_no_case_and_the_next_is_unique(monkeypatch):
    first = _file()

    # Every row is checked before the first write, so a bad value never draws a number; a
    # failure of the database after the case is opened does.
    def fail(*args, **kwargs):
        raise DatabaseError("the database failed mid-intake")

    with monkeypatch.context() as patched:
        patched.setattr(intake_services, "_insert_all", fail)
        with pytest.raises(DatabaseError):
            submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    after = _file()

    numbers = [_number(first.reference), _number(after.reference)]
    # PostgreSQL's sequences are not rolled back: the failed intake burnt one number. SQLite's
    # counter row is rolled back with the intake.
    burnt = 1 if connection.vendor == "postgresql" else 0
    assert numbers[1] == numbers[0] + 1 + burnt
    assert Case.objects.filter(reference__in=[first.reference, after.reference]).count() == 2
    # A gap is not a deleted case: no case and no history row ever carried the burnt number.
    year = first.reference.split("-")[1]
    gap = [f"RD-{year}-{n:06d}" for n in range(numbers[0] + 1, numbers[1])]
    assert not Case.objects.filter(reference__in=gap).exists()
    assert not Case.history.filter(reference__in=gap).exists()
    assert set(Case.history.filter(history_type="+").values_list("reference", flat=True)) == {
        first.reference, after.reference,
    }


def test_a_years_sequence_continues_after_its_counter_row_and_its_highest_reference(postgres):
    _forget_sequences(2096, 2097)
    CaseSequence.objects.create(year=2097, last_number=17)
    _case("RD-2097-000041")
    CaseSequence.objects.create(year=2096, last_number=9)
    _case("RD-2096-000003")
    assert next_reference(2097) == "RD-2097-000042"
    assert next_reference(2096) == "RD-2096-000010"


def test_the_migration_seeds_each_years_sequence_past_the_numbers_it_used(postgres):
    _forget_sequences(2023, 2024, 2025)
    CaseSequence.objects.create(year=2023, last_number=5)
    CaseSequence.objects.create(year=2024, last_number=12)
    _case("RD-2024-000030")  # higher than the year's counter row
    _case("RD-2025-000007")  # a year with no counter row
    _case("RD-2025-000002")
    with connection.schema_editor() as editor:
        MIGRATION.make_sequences(apps, editor)
    assert next_reference(2023) == "RD-2023-000006"
    assert next_reference(2024) == "RD-2024-000031"
    assert next_reference(2025) == "RD-2025-000008"


def test_undoing_the_migration_hands_the_last_numbers_back_to_the_counter_rows(postgres):
    _forget_sequences(2024, 2025)
    CaseSequence.objects.create(year=2024, last_number=12)
    _case("RD-2024-000030")
    with connection.schema_editor() as editor:
        MIGRATION.make_sequences(apps, editor)
    next_reference(2025)
    next_reference(2025)
    with connection.schema_editor() as editor:
        MIGRATION.drop_sequences(apps, editor)
    counters = dict(CaseSequence.objects.values_list("year", "last_number"))
    assert counters[2024] == 30
    assert counters[2025] == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [sequence_name(2024)])
        assert cursor.fetchone()[0] is None
