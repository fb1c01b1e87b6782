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


def test_each_seed_report_cites_its_article_and_says_what_the_article_does_not_give():
    call_command("load_seed_cases")
    reports = {r.source_file[:3]: r for r in Case.objects.get(title=OFFICER_TITLE).reports.all()}
    assert reports["000"].source_outlet == "Audacy"
    assert reports["000"].source_headline.startswith("Serious concerns of racial profiling")
    assert reports["003"].source_headline == (
        "Urgent: ICE Agents Draw Guns on Off-Duty Officer in Minneapolis"
    )
    # None of the five articles, as we hold them, gives a byline, a date or an address: the
    # citation says it was read from the article, so pages can say the article gives none.
    for report in Report.objects.all():
        assert report.source_citation_checked
        assert (report.source_author, report.source_published_on, report.source_url) == (
            "",
            None,
            "",
        )


def test_reloading_fills_the_citation_of_reports_loaded_before_it_existed(tmp_path):
    from intake.seeds import CITATION_REASON, default_seed_file, load_seed_cases

    call_command("load_seed_cases")
    # As a database seeded before the citation fields: nothing read from the articles yet.
    Report.objects.update(source_citation_checked=False, source_headline="", source_outlet="")
    history = Report.history.model.objects.count()
    result = load_seed_cases()
    assert (result.reports_created, result.reports_updated) == (0, 13)
    audacy = Report.objects.get(external_id="seed:off-duty-officer-boxed-in:000")
    assert (audacy.source_outlet, audacy.source_citation_checked) == ("Audacy", True)
    assert audacy.history.first().history_change_reason == CITATION_REASON
    assert Report.history.model.objects.count() == history + 13
    # A later article date or address in the file reaches the stored report the same way.
    text = default_seed_file().read_text(encoding="utf-8").replace(
        '    headline: "Twin Cities Chiefs Say TO ICE: Racial Profiling Has To Stop"\n'
        '    outlet: ""\n    author: ""\n    published_on: null\n    url: ""\n',
        '    headline: "Twin Cities Chiefs Say TO ICE: Racial Profiling Has To Stop"\n'
        '    outlet: ""\n    author: "A. Writer"\n    published_on: 2026-01-21\n'
        '    url: "https://example.org/twin-cities-chiefs"\n',
    )
    changed = tmp_path / "cases.yaml"
    changed.write_text(text, encoding="utf-8")
    result = load_seed_cases(changed)
    assert result.reports_updated == 2  # the article is the source of two reports
    cited = Report.objects.get(external_id="seed:off-duty-officer-boxed-in:002")
    assert str(cited.source_published_on) == "2026-01-21"
    assert cited.source_url == "https://example.org/twin-cities-chiefs"
    assert cited.source_author == "A. Writer"
    # And loading the same file again writes nothing.
    count = Report.history.model.objects.count()
    assert load_seed_cases(changed).reports_updated == 0
    assert Report.history.model.objects.count() == count


def test_the_timeline_says_seed_reports_were_loaded_from_a_press_source(liaison):
    from cases.timeline import case_timeline

    call_command("load_seed_cases")
    case = Case.objects.get(title=OFFICER_TITLE)
    actors = {entry.actor for entry in case_timeline(user=liaison, case=case)}
    assert actors == {"Rights Desk (loaded from a press source)"}
