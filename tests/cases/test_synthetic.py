import pytest
from django.core.management import call_command

from cases.models import Case
from cases.selectors import QueueFilters, case_queue
from cases.synthetic import SYNTHETIC_REASON, generate_synthetic_cases
from intake.models import Encounter, Report

pytestmark = pytest.mark.django_db


def test_synthetic_cases_have_reports_encounters_and_history():
    result = generate_synthetic_cases(count=60, seed=7, chunk_size=25)
    assert result.cases == Case.objects.count() == 60
    assert Report.objects.count() == 60
    assert Encounter.objects.filter(kinds__isnull=False).distinct().count() == 60
    assert Case.history.filter(history_type="+").count() == 60
    assert Report.history.filter(history_change_reason=SYNTHETIC_REASON).count() == 60
    moved = Case.objects.exclude(status="new").first()
    assert moved is not None
    assert moved.history.filter(history_type="~").exists()
    assert moved.history.filter(history_type="~").first().history_user == moved.assignee


def test_synthetic_tracking_codes_and_references_are_unique_across_runs():
    generate_synthetic_cases(count=30, seed=1, chunk_size=10)
    generate_synthetic_cases(count=30, seed=1, chunk_size=10)
    assert Report.objects.values("tracking_code").distinct().count() == 60
    assert Case.objects.values("reference").distinct().count() == 60


def test_synthetic_cases_are_searchable_and_filterable(liaison):
    generate_synthetic_cases(count=40, seed=3, chunk_size=40)
    city = Encounter.objects.values_list("city", flat=True).first()
    found = case_queue(user=liaison, filters=QueueFilters(text=city))
    assert found.exists()
    assert case_queue(user=liaison, filters=QueueFilters(city=city)).count() == (
        Case.objects.filter(reports__encounter__city=city).distinct().count()
    )


def test_generate_command_reports_its_rate(capsys):
    call_command("generate_synthetic_cases", "5")
    assert "cases/s" in capsys.readouterr().out
