import pytest
from django.core.management import call_command

from cases.conflicts import case_conflicts
from cases.models import Case
from intake.models import Complainant, Encounter, Report, ReportFact
from intake.seeds import SEED_REASON

pytestmark = pytest.mark.django_db

OFFICER_TITLE = "Off-duty Brooklyn Park officer boxed in, guns drawn, phone knocked away"


def _counts() -> dict[str, int]:
    models = [Case, Report, Complainant, Encounter, ReportFact, Case.history.model,
              Report.history.model]
    return {m.__name__: m.objects.count() for m in models}


def test_loading_the_seeds_twice_changes_nothing():
    call_command("load_seed_cases")
    first = _counts()
    call_command("load_seed_cases")
    assert _counts() == first
    assert first["Case"] == 5
    assert first["Report"] == 13


def test_officer_case_holds_five_press_reports_with_their_sources():
    call_command("load_seed_cases")
    case = Case.objects.get(title=OFFICER_TITLE)
    reports = list(case.reports.order_by("source_file"))
    assert [r.channel for r in reports] == ["press"] * 5
    assert [r.source_file[:3] for r in reports] == ["000", "001", "002", "003", "004"]
    assert reports[0].source_outlet == "Audacy"
    assert reports[1].source_outlet == "The Independent"
    assert reports[2].source_headline.startswith("Twin Cities Chiefs Say TO ICE")
    assert all(r.history.get().history_change_reason == SEED_REASON for r in reports)


def test_officer_case_has_the_encounter_kinds_and_ice():
    call_command("load_seed_cases")
    case = Case.objects.get(title=OFFICER_TITLE)
    kinds = set(
        Encounter.objects.filter(report__case=case).values_list("kinds__code", flat=True)
    )
    agencies = set(
        Encounter.objects.filter(report__case=case).values_list("agencies__code", flat=True)
    )
    assert {"boxed-in", "weapons-drawn", "recording-interfered", "papers-demanded"} <= kinds
    assert "ice" in agencies
    assert case.priority == Case.Priority.HIGH


def test_officer_case_lists_where_its_sources_disagree():
    call_command("load_seed_cases")
    case = Case.objects.get(title=OFFICER_TITLE)
    conflicts = {c.topic: c for c in case_conflicts(case)}
    assert {"chief-name", "press-conference-date"} <= set(conflicts)
    chief = conflicts["chief-name"]
    values = [v.value for v in chief.versions]
    assert values[0] == "Mark Bruley"
    assert any("Rooley" in v for v in values)
    rooley = next(v for v in chief.versions if "Rooley" in v.value)
    assert [r.source_file for r in rooley.reports] == ["002_7128cad8904362e3.txt"]
    dates = [v.value for v in conflicts["press-conference-date"].versions]
    assert "January 21, 2023" in dates


def test_other_incidents_are_cases_of_their_own():
    call_command("load_seed_cases")
    titles = set(Case.objects.values_list("title", flat=True))
    assert titles == {
        OFFICER_TITLE,
        "St. Paul city employees stopped in traffic by federal agents",
        "Hennepin County residents stopped and questioned because of their skin colour",
        "Woman shot and killed by an ICE officer in Minneapolis on January 7",
        "Man injured in an ICE incident after a traffic stop",
    }
    shooting = Case.objects.get(title__startswith="Woman shot")
    assert shooting.priority == Case.Priority.URGENT
    assert shooting.reports.count() == 3
