"""Statistics: figures against counts made by hand on the seed cases and a generated set, the
filters, small-cell suppression, snapshots and the nightly task, the SVG charts, the staff page
and its exports, the API, and the PDF."""

import csv
import hashlib
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader
from rest_framework.test import APIClient

from api_tokens.services import create_api_token
from cases.models import Case
from cases.services import merge_cases
from config.celery import app
from intake.models import Report
from intake.services import submit_report
from reports import charts, rendering, statistics_exports
from reports.api.statistics import StatisticsSerializer
from reports.models import Document, StatisticsSnapshot
from reports.statistics.figures import compute_figures
from reports.statistics.filters import StatisticsFilters
from reports.statistics.snapshots import build_snapshot, current_figures, latest_snapshot
from reports.statistics.suppression import COMPLEMENTARY, SMALL, must_suppress, suppress_small_cells
from reports.statistics_exports import export_metadata, export_rows, render_statistics_pdf
from reports.statistics_tasks import build_nightly_statistics
from tests.factories import EncounterInputFactory, ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
ROLES = ["anonymous", "no_role_user", "administrator", "liaison", "legal"]
PAGE = "/staff/statistics/"
API = "/api/v1/statistics/"


# --- Data ------------------------------------------------------------------------------------


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHICAGO)


# (when, in the metro area's time; city as typed; kinds; agencies; perceived bases)
GENERATED = [
    (_at(2025, 11, 3, 10), "Minneapolis", ("weapons-drawn", "boxed-in"), ("ice",), ("race",)),
    # 23:30 on November 30 in Minneapolis is already December 1 in UTC: it is November's.
    (_at(2025, 11, 30, 23, 30), "minneapolis ", ("recording-interfered",),
     ("ice", "border-patrol"), ()),
    (_at(2025, 12, 1, 0, 30), "Saint Paul", ("weapons-drawn",), ("border-patrol",),
     ("language",)),
    (_at(2025, 12, 15, 12), "Saint Paul", ("stopped-without-cause",), ("cbp",),
     ("race", "accent")),
    (_at(2025, 12, 20, 8), "", (), ("ice",), ()),
    (None, "Richfield", ("weapons-drawn", "recording-interfered"), ("ice",), ("skin-colour",)),
    (_at(2026, 1, 20, 9), "Richfield", ("questioned-status",), (), ()),
]


def _report(occurred_at=None, city="Minneapolis", kinds=("weapons-drawn",), agencies=("ice",),
            bases=()) -> Report:
    encounter = EncounterInputFactory(
        occurred_at=occurred_at,
        city=city,
        kind_codes=kinds,
        agency_codes=agencies,
        perceived_basis_codes=bases,
    )
    submission = ReportSubmissionFactory(encounter=encounter)
    return submit_report(submission=submission, channel=Report.Channel.WEB).report


def _generated() -> list[Report]:
    return [_report(*row) for row in GENERATED]


def _seed() -> None:
    call_command("load_seed_cases", stdout=io.StringIO())


def counts(figures: dict, name: str) -> dict:
    return {entry["key"]: entry["count"] for entry in figures[name]}


def _shares(figures: dict) -> dict:
    return {
        name: (share["count"], share["total"], share["share"])
        for name, share in figures["shares"].items()
    }


# By hand, from seeds/cases.yaml: five cases, thirteen press reports. The officer's case has
# five reports (one in Minneapolis; the commentary adds property damage and drops the stop
# without cause and the papers); St. Paul two, one of them naming no agency but an unknown
# federal one; the residents two; Renee Good three, on January 7, 2026, in Minneapolis; the
# man injured after a traffic stop one.
SEED = {
    "totals": {"reports": 13, "cases": 5},
    "reports_by_kind": {
        "stopped-without-cause": 8, "boxed-in": 5, "weapons-drawn": 5,
        "recording-interfered": 5, "papers-demanded": 4, "injury": 4, "shots-fired": 3,
        "questioned-status": 2, "threats-verbal-abuse": 2, "property-damaged": 1,
    },
    "reports_by_agency": {"ice": 12, "unknown-federal": 1},
    "reports_by_month": {"2026-01": 3, None: 10},
    "reports_by_city": {"minneapolis": 4, "saint paul": 2, None: 7},
    "reports_by_basis": {"skin-colour": 7, "race": 6},
    "cases_by_status": {"new": 5, "triaged": 0, "investigating": 0, "referred": 0,
                        "resolved": 0, "closed": 0},
    "cases_by_priority": {"4": 2, "3": 1, "2": 2, "1": 0},
    "shares": {"weapons_drawn": (5, 13, 0.3846), "recording_interfered": (5, 13, 0.3846)},
}

# The seed cases plus GENERATED, by hand (each generated report opens a case of its own).
SEED_AND_GENERATED = {
    "totals": {"reports": 20, "cases": 12},
    "reports_by_kind": {
        "stopped-without-cause": 9, "weapons-drawn": 8, "recording-interfered": 7,
        "boxed-in": 6, "papers-demanded": 4, "injury": 4, "shots-fired": 3,
        "questioned-status": 3, "threats-verbal-abuse": 2, "property-damaged": 1,
    },
    "reports_by_agency": {"ice": 16, "border-patrol": 2, "cbp": 1, "unknown-federal": 1},
    "reports_by_month": {"2025-11": 2, "2025-12": 3, "2026-01": 4, None: 11},
    "reports_by_city": {"minneapolis": 6, "saint paul": 4, "richfield": 2, None: 8},
    "reports_by_basis": {"skin-colour": 8, "race": 8, "language": 1, "accent": 1},
    "cases_by_status": {"new": 12, "triaged": 0, "investigating": 0, "referred": 0,
                        "resolved": 0, "closed": 0},
    "cases_by_priority": {"4": 2, "3": 4, "2": 5, "1": 1},
    "shares": {"weapons_drawn": (8, 20, 0.4), "recording_interfered": (7, 20, 0.35)},
}


def _assert_figures(figures: dict, expected: dict) -> None:
    assert figures["totals"] == expected["totals"]
    for name, value in expected.items():
        if name.startswith(("reports_by", "cases_by")):
            assert counts(figures, name) == value, name
    assert _shares(figures) == expected["shares"]


# --- Figures ---------------------------------------------------------------------------------


def test_seed_figures_equal_the_counts_made_by_hand():
    _seed()
    figures = compute_figures(filters=StatisticsFilters())
    _assert_figures(figures, SEED)
    assert figures["suppression"] == {"applied": False, "threshold": 5}


def test_seed_and_generated_figures_equal_the_counts_made_by_hand():
    _seed()
    _generated()
    figures = compute_figures(filters=StatisticsFilters())
    _assert_figures(figures, SEED_AND_GENERATED)


def test_generated_figures_exactly():
    _generated()
    figures = compute_figures(filters=StatisticsFilters())
    entry = lambda key, label, count: {  # noqa: E731
        "key": key, "label": label, "count": count, "suppressed": None,
    }
    assert figures["reports_by_month"] == [
        entry("2025-11", "November 2025", 2),
        entry("2025-12", "December 2025", 3),
        entry("2026-01", "January 2026", 1),
        entry(None, "Date not known", 1),
    ]
    # Typed three ways, counted as one city, labelled as most people wrote it.
    assert figures["reports_by_city"] == [
        entry("minneapolis", "Minneapolis", 2),
        entry("richfield", "Richfield", 2),
        entry("saint paul", "Saint Paul", 2),
        entry(None, "Place not known", 1),
    ]
    assert figures["reports_by_agency"] == [
        entry("ice", "U.S. Immigration and Customs Enforcement", 4),
        entry("border-patrol", "U.S. Border Patrol", 2),
        entry("cbp", "U.S. Customs and Border Protection", 1),
    ]
    assert counts(figures, "reports_by_kind") == {
        "weapons-drawn": 3, "recording-interfered": 2, "boxed-in": 1,
        "stopped-without-cause": 1, "questioned-status": 1,
    }
    assert counts(figures, "reports_by_basis") == {
        "race": 2, "language": 1, "accent": 1, "skin-colour": 1,
    }
    assert counts(figures, "cases_by_priority") == {"4": 0, "3": 3, "2": 3, "1": 1}
    assert figures["totals"] == {"reports": 7, "cases": 7}
    assert figures["shares"] == {
        "weapons_drawn": {"count": 3, "total": 7, "share": 0.4286, "suppressed": None},
        "recording_interfered": {"count": 2, "total": 7, "share": 0.2857, "suppressed": None},
    }


def test_nothing_to_count_gives_zeros_not_errors():
    figures = compute_figures(filters=StatisticsFilters())
    assert figures["totals"] == {"reports": 0, "cases": 0}
    assert figures["reports_by_kind"] == []
    assert figures["shares"]["weapons_drawn"] == {
        "count": 0, "total": 0, "share": None, "suppressed": None,
    }


def test_date_range_counts_whole_days_in_the_metro_area():
    _seed()
    _generated()
    figures = compute_figures(
        filters=StatisticsFilters(occurred_from=date(2025, 12, 1), occurred_to=date(2025, 12, 31))
    )
    assert figures["totals"] == {"reports": 3, "cases": 3}
    assert counts(figures, "reports_by_month") == {"2025-12": 3}
    assert counts(figures, "reports_by_city") == {"saint paul": 2, None: 1}
    only_from = compute_figures(filters=StatisticsFilters(occurred_from=date(2026, 1, 7)))
    assert counts(only_from, "reports_by_month") == {"2026-01": 4}
    only_to = compute_figures(filters=StatisticsFilters(occurred_to=date(2025, 11, 30)))
    assert counts(only_to, "reports_by_month") == {"2025-11": 2}


def test_agency_filter_counts_a_report_naming_several_of_them_once():
    _seed()
    _generated()
    border = compute_figures(filters=StatisticsFilters(agencies=("border-patrol",)))
    assert border["totals"] == {"reports": 2, "cases": 2}
    assert counts(border, "reports_by_agency") == {"border-patrol": 2, "ice": 1}
    either = compute_figures(filters=StatisticsFilters(agencies=("ice", "border-patrol")))
    assert either["totals"] == {"reports": 17, "cases": 10}
    assert counts(either, "reports_by_agency") == {"ice": 16, "border-patrol": 2}
    assert _shares(either)["weapons_drawn"] == (8, 17, 0.4706)


def test_merged_cases_are_not_counted_but_their_reports_are(legal):
    first, second = _report(), _report(kinds=("boxed-in",))
    merge_cases(
        survivor=first.case,
        duplicates=[second.case],
        actor=legal,
        reason="Same stop",
        expected_version=None,
    )
    figures = compute_figures(filters=StatisticsFilters())
    assert figures["totals"] == {"reports": 2, "cases": 1}
    assert counts(figures, "cases_by_status")["closed"] == 0
    assert Case.objects.count() == 2


def test_compute_figures_runs_the_same_queries_for_5_and_60_reports():
    for index in range(5):
        _report(occurred_at=_at(2025, 1 + index % 12, 3), city=f"City {index}")
    with CaptureQueriesContext(connection) as few:
        compute_figures(filters=StatisticsFilters(agencies=("ice",)))
    for index in range(55):
        _report(occurred_at=_at(2025, 1 + index % 12, 5), city=f"City {index % 17}",
                kinds=("boxed-in", "detained") if index % 2 else ("weapons-drawn",),
                agencies=("ice", "cbp") if index % 3 else ("border-patrol",),
                bases=("race",) if index % 4 else ())
    with CaptureQueriesContext(connection) as many:
        figures = compute_figures(filters=StatisticsFilters(agencies=("ice",)))
    # Places, three reference tables, cases, and the names of the reference rows.
    assert len(few.captured_queries) == len(many.captured_queries) == 6
    assert figures["totals"]["reports"] == 5 + 36


def test_unfiltered_figures_read_two_queries_of_tallies_for_5_and_60_reports():
    for index in range(5):
        _report(occurred_at=_at(2025, 1 + index % 12, 3), city=f"City {index}")
    with CaptureQueriesContext(connection) as few:
        compute_figures(filters=StatisticsFilters())
    for index in range(55):
        _report(occurred_at=_at(2025, 1 + index % 12, 5), city=f"City {index % 17}",
                kinds=("boxed-in", "detained") if index % 2 else ("weapons-drawn",))
    with CaptureQueriesContext(connection) as many:
        figures = compute_figures(filters=StatisticsFilters())
    assert len(few.captured_queries) == len(many.captured_queries) == 2
    assert figures["totals"] == {"reports": 60, "cases": 60}
    assert figures == compute_figures(filters=StatisticsFilters(), scan=True)


def test_filters_key_is_the_sha256_of_their_canonical_json():
    one = StatisticsFilters(occurred_from=date(2026, 1, 1), agencies=("ice", "cbp", "ice"))
    same = StatisticsFilters(occurred_from=date(2026, 1, 1), agencies=("cbp", "ice"))
    canonical = '{"agencies":["cbp","ice"],"occurred_from":"2026-01-01","occurred_to":null}'
    assert one.key == same.key == hashlib.sha256(canonical.encode()).hexdigest()
    assert StatisticsFilters().key != one.key
    assert StatisticsFilters.from_dict(one.as_dict()) == one


# --- Suppression -------------------------------------------------------------------------------


def _cell(key, count, suppressed=None):
    return {"key": key, "label": str(key), "count": count, "suppressed": suppressed}


def test_suppression_hides_counts_of_1_to_4_and_shares_built_on_them():
    figures = {
        "totals": {"reports": 20, "cases": 3},
        "reports_by_kind": [_cell("a", 12), _cell("b", 4), _cell("c", 1), _cell("d", 5),
                            _cell("e", 0)],
        "reports_by_month": [_cell("2025-11", 14), _cell("2025-12", 4), _cell(None, 2)],
        "shares": {
            "weapons_drawn": {"count": 4, "total": 20, "share": 0.2, "suppressed": None},
            "recording_interfered": {"count": 10, "total": 20, "share": 0.5,
                                     "suppressed": None},
        },
    }
    original = json.loads(json.dumps(figures))
    suppressed = suppress_small_cells(figures)
    assert figures == original  # a copy; the stored figures keep their exact counts
    assert suppressed["totals"] == {"reports": 20, "cases": None}
    assert suppressed["reports_by_kind"] == [
        _cell("a", 12), _cell("b", None, SMALL), _cell("c", None, SMALL), _cell("d", 5),
        _cell("e", 0),
    ]
    # Two hidden months: neither can be worked out from the total.
    assert suppressed["reports_by_month"] == [
        _cell("2025-11", 14), _cell("2025-12", None, SMALL), _cell(None, None, SMALL),
    ]
    assert suppressed["shares"] == {
        "weapons_drawn": {"count": None, "total": 20, "share": None, "suppressed": SMALL},
        "recording_interfered": {"count": 10, "total": 20, "share": 0.5, "suppressed": None},
    }
    assert suppressed["suppression"] == {"applied": True, "threshold": 5}


def test_one_hidden_cell_of_a_partition_hides_the_next_smallest_too():
    figures = {
        "totals": {"reports": 20, "cases": 20},
        "reports_by_city": [_cell("x", 12), _cell("y", 6), _cell("z", 0), _cell(None, 2)],
        # Kinds overlap (one report, several kinds): the total does not give a cell away.
        "reports_by_kind": [_cell("a", 12), _cell("b", 2)],
        "cases_by_status": [_cell("new", 20), _cell("closed", 0)],
        "shares": {},
    }
    suppressed = suppress_small_cells(figures)
    assert suppressed["reports_by_city"] == [
        _cell("x", 12), _cell("y", None, COMPLEMENTARY), _cell("z", 0),
        _cell(None, None, SMALL),
    ]
    assert suppressed["reports_by_kind"] == [_cell("a", 12), _cell("b", None, SMALL)]
    assert suppressed["cases_by_status"] == figures["cases_by_status"]


def test_small_totals_hide_their_shares():
    figures = {
        "totals": {"reports": 3, "cases": 3},
        "shares": {"weapons_drawn": {"count": 0, "total": 3, "share": 0.0, "suppressed": None}},
    }
    suppressed = suppress_small_cells(figures)
    assert suppressed["totals"] == {"reports": None, "cases": None}
    assert suppressed["shares"]["weapons_drawn"] == {
        "count": None, "total": None, "share": None, "suppressed": SMALL,
    }


def test_who_gets_suppressed_figures(legal, liaison, administrator, no_role_user):
    assert must_suppress(legal, for_sharing=False) is False
    assert must_suppress(legal, for_sharing=True) is True
    for user in (liaison, administrator, no_role_user, AnonymousUser(), None):
        assert must_suppress(user, for_sharing=False) is True
    legal.is_active = False
    assert must_suppress(legal, for_sharing=False) is True


# --- Snapshots and the nightly task ------------------------------------------------------------


def test_build_snapshot_stores_the_figures_with_who_and_why(legal):
    _generated()
    filters = StatisticsFilters(agencies=("ice",))
    snapshot = build_snapshot(filters=filters, actor=legal,
                              trigger=StatisticsSnapshot.Trigger.ON_DEMAND)
    assert snapshot.filters_key == filters.key
    assert snapshot.filters == {"occurred_from": None, "occurred_to": None, "agencies": ["ice"]}
    assert snapshot.figures == compute_figures(filters=filters)
    assert snapshot.requested_by == legal
    record = snapshot.history.get()
    assert record.history_user == legal
    assert record.history_change_reason == "Statistics recomputed on request"
    assert latest_snapshot(filters) == snapshot
    assert latest_snapshot(StatisticsFilters()) is None


def test_current_figures_serves_a_fresh_snapshot_and_recomputes_a_stale_one():
    _generated()
    filters = StatisticsFilters()
    assert current_figures(filters=filters).source == "live"
    snapshot = build_snapshot(filters=filters, trigger=StatisticsSnapshot.Trigger.NIGHTLY)
    _report()  # a new report: the snapshot does not know it yet
    served = current_figures(filters=filters)
    assert (served.source, served.snapshot, served.figures["totals"]["reports"]) == (
        "snapshot", snapshot, 7)
    forced = current_figures(filters=filters, fresh=True)
    assert (forced.source, forced.figures["totals"]["reports"]) == ("live", 8)
    StatisticsSnapshot.objects.filter(pk=snapshot.pk).update(
        computed_at=timezone.now() - timedelta(hours=25)
    )
    assert current_figures(filters=filters).source == "live"


def test_snapshot_of_an_older_figures_format_is_not_served():
    filters = StatisticsFilters()
    snapshot = build_snapshot(filters=filters)
    StatisticsSnapshot.objects.filter(pk=snapshot.pk).update(figures={"version": 0})
    assert latest_snapshot(filters) is None


def test_nightly_task_builds_a_snapshot_of_every_report():
    _seed()
    snapshot_id = build_nightly_statistics.delay().get()
    snapshot = StatisticsSnapshot.objects.get(pk=snapshot_id)
    assert snapshot.trigger == StatisticsSnapshot.Trigger.NIGHTLY
    assert snapshot.requested_by is None
    assert snapshot.filters_key == StatisticsFilters().key
    _assert_figures(snapshot.figures, SEED)
    assert snapshot.history.get().history_change_reason == "Nightly statistics"


def test_nightly_task_is_scheduled_at_two_and_found_by_the_worker():
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-nightly"]
    assert entry["task"] == "reports.statistics_tasks.build_nightly_statistics"
    assert entry["schedule"] == crontab(hour=2, minute=0)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


# --- Charts ----------------------------------------------------------------------------------


def test_charts_are_accessible_svg_without_styles_or_scripts():
    hostile = '<script>alert("x")</script> & "quotes"'
    bars = [charts.Bar(label=hostile, value=3, text="3"),
            charts.Bar(label="Hidden", value=None, text="<5")]
    for chart in (charts.bar_chart, charts.column_chart):
        svg = chart(chart_id="chart-test", title=f"Title {hostile}", summary="Summary.",
                    bars=bars)
        assert svg.startswith("<svg ")
        assert 'role="img"' in svg
        assert 'aria-labelledby="chart-test-title chart-test-desc"' in svg
        assert '<title id="chart-test-title">Title &lt;script&gt;' in svg
        assert '<desc id="chart-test-desc">Summary. &lt;script&gt;' in svg
        assert "&lt;5" in svg
        assert "style=" not in svg
        assert "<script" not in svg
        assert svg.count("<rect") == 1  # a hidden count draws no bar


def test_every_figure_gets_a_chart_and_a_table_of_the_same_numbers():
    _seed()
    figures = suppress_small_cells(compute_figures(filters=StatisticsFilters()))
    panels = charts.figure_panels(figures)
    assert [panel.name for panel in panels] == [
        "reports_by_kind", "reports_by_agency", "reports_by_month", "reports_by_city",
        "reports_by_basis", "cases_by_status", "cases_by_priority", "shares",
    ]
    kinds = panels[0]
    assert ("Weapons drawn", "5") in [(row.label, row.count) for row in kinds.rows]
    assert ("Injury", "<5") in [(row.label, row.count) for row in kinds.rows]
    assert "Weapons drawn: 5" in kinds.svg and "Injury: &lt;5" in kinds.svg
    months = panels[2]
    assert [(row.label, row.count) for row in months.rows] == [
        ("January 2026", "<5"), ("Date not known", "hidden"),
    ]
    shares = panels[-1]
    assert [(row.label, row.count, row.total, row.share) for row in shares.rows] == [
        ("Reports with weapons drawn", "5", "13", "38.5%"),
        ("Reports where recording was interfered with", "5", "13", "38.5%"),
    ]


# --- The staff page --------------------------------------------------------------------------


def _client_as(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        f"{reverse('cases:login')}?next="
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PAGE),
        ("get", PAGE + "export.csv"),
        ("get", PAGE + "export.csv?sharing=1"),
        ("post", PAGE + "recompute/"),
        ("post", PAGE + "export.pdf"),
    ],
)
def test_statistics_pages_are_for_legal_staff_only(client, request, role, method, url):
    response = getattr(_client_as(client, request, role), method)(url)
    if role == "anonymous":
        assert _to_login(response)
    elif role == "legal":
        assert response.status_code in (200, 302)
        assert not _to_login(response)
    else:
        assert response.status_code == 403


def test_statistics_link_is_in_the_staff_nav_for_legal_staff_only(client, legal, liaison):
    client.force_login(liaison)
    assert 'id="nav-statistics"' not in client.get("/staff/cases/").content.decode()
    client.force_login(legal)
    assert 'id="nav-statistics"' in client.get("/staff/cases/").content.decode()


def test_page_shows_exact_figures_to_legal_staff_as_charts_and_tables(client, legal):
    _seed()
    client.force_login(legal)
    html = client.get(PAGE).content.decode()
    assert 'id="exact-note"' in html
    assert '<dd id="total-reports">13</dd>' in html
    for name in ("reports_by_kind", "reports_by_agency", "reports_by_month", "reports_by_city",
                 "reports_by_basis", "cases_by_status", "cases_by_priority", "shares"):
        assert f'id="chart-{name}"' in html
        assert f'id="table-{name}"' in html
    assert "<th scope=\"row\">Injury</th><td>4</td>" in html
    assert "style=" not in html
    assert "Computed just now" in html


def test_page_query_count_does_not_grow_with_reports(client, legal):
    client.force_login(legal)
    _report()
    client.get(PAGE)  # the first page keeps a CSRF secret in the session, which saves it
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, {"agency": "ice"})
    for index in range(12):
        _report(city=f"Town {index}", kinds=("detained", "searched"), agencies=("ice", "cbp"))
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE, {"agency": "ice"})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_page_filters_by_date_and_agency(client, legal):
    _seed()
    _generated()
    client.force_login(legal)
    html = client.get(PAGE, {"occurred_from": "2025-12-01", "occurred_to": "2025-12-31",
                             "agency": ["cbp", "border-patrol"]}).content.decode()
    assert '<dd id="total-reports">2</dd>' in html
    assert "involving U.S. Border Patrol, U.S. Customs and Border Protection" in html


def test_page_reports_a_bad_filter_and_counts_without_it(client, legal):
    _generated()
    client.force_login(legal)
    response = client.get(PAGE, {"occurred_from": "2026-01-01", "occurred_to": "2025-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html
    assert '<dd id="total-reports">1</dd>' in html  # from January 1, 2026 only


def test_recompute_builds_a_snapshot_for_the_filters_and_the_page_then_serves_it(client, legal):
    _generated()
    client.force_login(legal)
    response = client.post(PAGE + "recompute/", {"agency": "ice"})
    assert response.status_code == 302
    assert response["Location"] == PAGE + "?agency=ice"
    snapshot = StatisticsSnapshot.objects.get()
    assert snapshot.filters_key == StatisticsFilters(agencies=("ice",)).key
    assert snapshot.requested_by == legal
    assert snapshot.trigger == StatisticsSnapshot.Trigger.ON_DEMAND
    html = client.get(response["Location"]).content.decode()
    assert "(stored figures)" in html
    assert "The figures were computed again just now." in html


def _csv_with_metadata(response) -> tuple[dict[str, str], list[list[str]]]:
    """The metadata lines the export begins with (name without its "# ": value), and the rows
    after them, header first."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    metadata = [row for row in rows if row[0].startswith("#")]
    assert rows[: len(metadata)] == metadata, "metadata lines come first, and only first"
    assert all(len(row) == 2 for row in metadata[1:])
    return {row[0].removeprefix("# "): "".join(row[1:]) for row in metadata}, rows[len(metadata):]


def _csv(response) -> list[list[str]]:
    return _csv_with_metadata(response)[1]


def test_csv_has_one_row_per_figure_and_category(client, legal):
    _generated()
    client.force_login(legal)
    rows = _csv(client.get(PAGE + "export.csv", {"agency": "cbp"}))
    assert rows == [
        ["figure", "category", "label", "count", "total", "share"],
        ["totals", "reports", "Reports", "1", "", ""],
        ["totals", "cases", "Cases", "1", "", ""],
        ["reports_by_kind", "stopped-without-cause", "Stopped with no stated cause", "1", "",
         ""],
        ["reports_by_agency", "cbp", "U.S. Customs and Border Protection", "1", "", ""],
        ["reports_by_month", "2025-12", "December 2025", "1", "", ""],
        ["reports_by_city", "saint paul", "Saint Paul", "1", "", ""],
        ["reports_by_basis", "accent", "Accent", "1", "", ""],
        ["reports_by_basis", "race", "Race", "1", "", ""],
        ["cases_by_status", "new", "New", "1", "", ""],
        *[["cases_by_status", status, label, "0", "", ""] for status, label in [
            ("triaged", "Triaged"), ("investigating", "Investigating"),
            ("referred", "Referred"), ("resolved", "Resolved"), ("closed", "Closed")]],
        ["cases_by_priority", "4", "Urgent", "0", "", ""],
        ["cases_by_priority", "3", "High", "0", "", ""],
        ["cases_by_priority", "2", "Normal", "1", "", ""],
        ["cases_by_priority", "1", "Low", "0", "", ""],
        ["share", "weapons_drawn", "Reports with weapons drawn", "0", "1", "0.0000"],
        ["share", "recording_interfered", "Reports where recording was interfered with", "0",
         "1", "0.0000"],
    ]


def test_csv_for_sharing_hides_small_counts_and_the_internal_one_does_not(client, legal):
    _seed()
    _generated()
    client.force_login(legal)
    internal = _csv(client.get(PAGE + "export.csv"))
    shared_response = client.get(PAGE + "export.csv", {"sharing": "1"})
    assert "shareable" in shared_response["Content-Disposition"]
    shared = _csv(shared_response)
    assert ["reports_by_kind", "injury", "Injury", "4", "", ""] in internal
    assert ["reports_by_kind", "injury", "Injury", "<5", "", ""] in shared
    assert ["reports_by_kind", "weapons-drawn", "Weapons drawn", "8", "", ""] in shared
    assert ["reports_by_agency", "cbp", "U.S. Customs and Border Protection", "<5", "", ""] in (
        shared)
    assert ["share", "weapons_drawn", "Reports with weapons drawn", "8", "20", "0.4000"] in shared
    assert not any(row[3] in {"1", "2", "3", "4"} for row in shared[1:])


def test_csv_begins_with_the_filters_and_when_the_figures_were_computed(client, legal):
    _generated()
    client.force_login(legal)
    metadata, rows = _csv_with_metadata(
        client.get(PAGE + "export.csv", {"agency": ["cbp", "border-patrol"],
                                         "occurred_from": "2025-12-01",
                                         "occurred_to": "2025-12-31"})
    )
    assert rows[0] == ["figure", "category", "label", "count", "total", "share"]
    assert metadata["Encounters on or after"] == "2025-12-01"
    assert metadata["Encounters on or before"] == "2025-12-31"
    assert metadata["Agency"] == "U.S. Border Patrol; U.S. Customs and Border Protection"
    assert "Filters" not in metadata
    computed = datetime.fromisoformat(metadata["Computed at"])
    assert computed.utcoffset() is not None
    assert abs(timezone.now() - computed) < timedelta(minutes=1)
    assert metadata["Figures"] == "Computed for this export"
    assert metadata["Time zone"] == settings.TIME_ZONE
    assert metadata["Counts"] == "Exact, for legal staff"


def test_csv_states_no_filters_and_the_stored_snapshots_time_not_the_downloads(client, legal):
    _generated()
    snapshot = build_snapshot(filters=StatisticsFilters())
    computed_at = timezone.now() - timedelta(hours=3)
    StatisticsSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=computed_at)
    client.force_login(legal)
    metadata, _rows = _csv_with_metadata(client.get(PAGE + "export.csv", {"sharing": "1"}))
    assert metadata["Filters"] == "None: all reports and cases"
    assert datetime.fromisoformat(metadata["Computed at"]) == computed_at.replace(microsecond=0)
    assert metadata["Computed at"].endswith(("-05:00", "-06:00"))  # Minneapolis, CDT or CST
    assert metadata["Figures"] == "Stored figures"
    exported = datetime.fromisoformat(metadata["Exported at"])
    assert exported - datetime.fromisoformat(metadata["Computed at"]) > timedelta(hours=2)
    assert metadata["Counts"].startswith("Counts from 1 to 4 are shown as <5")


def test_csv_metadata_is_skipped_by_a_reader_of_comment_lines(client, legal):
    _generated()
    client.force_login(legal)
    content = client.get(PAGE + "export.csv", {"agency": "cbp"}).content.decode()
    data = [line for line in content.splitlines() if not line.startswith("#")]
    assert data[0] == "figure,category,label,count,total,share"
    assert len(list(csv.reader(data))) == len(_csv(client.get(PAGE + "export.csv",
                                                               {"agency": "cbp"})))


def test_csv_metadata_defuses_an_agency_name_written_as_a_formula(legal):
    rows = export_metadata(
        described={"occurred_from": None, "occurred_to": None, "agencies": ["=cmd|x"]},
        computed_at=timezone.now(), stored=False, exported_at=timezone.now(), threshold=None,
    )
    assert ["# Agency", "'=cmd|x"] in rows


def test_csv_cells_cannot_become_spreadsheet_formulas(client, legal):
    for _ in range(5):
        _report(city="=HYPERLINK(\"http://example.com\")")
    client.force_login(legal)
    rows = _csv(client.get(PAGE + "export.csv"))
    city = next(row for row in rows if row[0] == "reports_by_city")
    assert city[2] == "'=HYPERLINK(\"http://example.com\")"


def test_export_rows_mark_hidden_counts():
    figures = suppress_small_cells(
        {"totals": {"reports": 9, "cases": 9},
         "reports_by_city": [_cell("x", 7), _cell("y", 2)],
         "shares": {"weapons_drawn": {"count": 2, "total": 9, "share": 0.2222,
                                      "suppressed": None},
                    "recording_interfered": {"count": 9, "total": 9, "share": 1.0,
                                             "suppressed": None}}}
    )
    rows = export_rows(figures)
    assert ["reports_by_city", "x", "x", "hidden", "", ""] in rows
    assert ["reports_by_city", "y", "y", "<5", "", ""] in rows
    assert ["share", "weapons_drawn", "Reports with weapons drawn", "<5", "9", ""] in rows


def _statistics_user(username: str = "analyst"):
    """Someone allowed statistics but not every identity: every figure they see is hidden."""
    user = UserFactory(username=username)
    user.user_permissions.add(
        Permission.objects.get(codename="view_statistics", content_type__app_label="cases")
    )
    return user


def test_page_and_csv_are_suppressed_for_someone_who_may_not_see_every_identity(client):
    _seed()
    client.force_login(_statistics_user())
    html = client.get(PAGE).content.decode()
    assert 'id="suppression-note"' in html
    assert 'id="csv-link"' not in html
    assert "<th scope=\"row\">Injury</th><td>&lt;5</td>" in html
    rows = _csv(client.get(PAGE + "export.csv"))
    assert ["reports_by_kind", "injury", "Injury", "<5", "", ""] in rows


# --- The PDF ---------------------------------------------------------------------------------


def test_pdf_export_queues_a_document_and_shows_its_progress(client, legal):
    _generated()
    client.force_login(legal)
    # The broker gets the document only once the request's transaction commits; not here.
    response = client.post(PAGE + "export.pdf", {"agency": "ice"})
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:document", kwargs={"pk": document.pk})
    assert (document.kind, document.status, document.requested_by) == (
        Document.Kind.STATISTICS, Document.Status.QUEUED, legal)
    assert document.snapshot.filters_key == StatisticsFilters(agencies=("ice",)).key
    html = client.get(response["Location"]).content.decode()
    assert '<dd id="document-status">Queued</dd>' in html
    assert 'id="document-refresh"' in html
    assert 'id="document-download"' not in html
    # A second PDF of the same filters the same day uses the same snapshot.
    client.post(PAGE + "export.pdf", {"agency": "ice"})
    assert StatisticsSnapshot.objects.count() == 1
    assert {d.snapshot_id for d in Document.objects.all()} == {document.snapshot_id}


def test_pdf_export_is_rendered_by_the_worker_and_downloadable(
    client, legal, django_capture_on_commit_callbacks
):
    _seed()
    client.force_login(legal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE + "export.pdf")
    document = Document.objects.get()
    assert document.status == Document.Status.READY, document.error
    html = client.get(response["Location"]).content.decode()
    assert '<dd id="document-status">Ready</dd>' in html
    download = reverse("reports_api:document-download", kwargs={"pk": document.pk})
    assert f'href="{download}"' in html
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("role", ROLES)
def test_document_status_page_is_for_legal_staff_only(client, request, role, legal):
    snapshot = build_snapshot(filters=StatisticsFilters())
    document = Document.objects.create(
        kind=Document.Kind.STATISTICS, snapshot=snapshot, requested_by=legal
    )
    url = reverse("reports:document", kwargs={"pk": document.pk})
    response = _client_as(client, request, role).get(url)
    if role == "anonymous":
        assert _to_login(response)
    else:
        assert response.status_code == (200 if role == "legal" else 403)


def test_document_status_page_shows_only_statistics_documents(client, legal):
    case = _report().case
    document = Document.objects.create(
        kind=Document.Kind.CASE_FILE, case=case, requested_by=legal
    )
    client.force_login(legal)
    assert client.get(reverse("reports:document", kwargs={"pk": document.pk})).status_code == 404


def _statistics_document(user) -> Document:
    _seed()
    _generated()
    snapshot = build_snapshot(filters=StatisticsFilters(), actor=user)
    return Document.objects.create(
        kind=Document.Kind.STATISTICS, snapshot=snapshot, requested_by=user
    )


def test_pdf_uses_the_pages_charts_and_hides_small_counts(legal, monkeypatch):
    document = _statistics_document(legal)
    rendered = []
    monkeypatch.setattr(statistics_exports, "html_to_pdf",
                        lambda html: rendered.append(html) or rendering.RenderResult(b"", 1))
    render_statistics_pdf(document=document)
    html = rendered[0]
    panels = charts.figure_panels(suppress_small_cells(document.snapshot.figures))
    for panel in panels:
        assert str(panel.svg) in html
    assert "<th scope=\"row\">Injury</th><td>&lt;5</td>" in html
    assert "<th scope=\"row\">Weapons drawn</th><td>8</td>" in html
    assert "<script" not in html


def test_pdf_renders(legal):
    result = render_statistics_pdf(document=_statistics_document(legal))
    assert result.pdf.startswith(b"%PDF")
    assert result.pages >= 2
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    assert "Reports by what agents did" in text
    assert "<5" in text


def test_pdf_states_the_filters_and_when_the_figures_were_computed_first_and_in_its_footer(
    legal,
):
    _seed()
    _generated()
    snapshot = build_snapshot(
        filters=StatisticsFilters(agencies=("ice", "cbp"), occurred_from=date(2025, 12, 1)),
        actor=legal,
    )
    document = Document.objects.create(
        kind=Document.Kind.STATISTICS, snapshot=snapshot, requested_by=legal
    )
    result = render_statistics_pdf(document=document)
    pages = [" ".join(page.extract_text().split())
             for page in PdfReader(io.BytesIO(result.pdf)).pages]
    computed = timezone.localtime(snapshot.computed_at).isoformat(timespec="seconds")
    assert len(pages) >= 2
    first = pages[0]
    # Every page's footer states the filters and the time, whichever page is handed on alone;
    # the first page opens with the same line, then lists them one by one.
    footer = ("Encounters on or after: 2025-12-01; Agency: U.S. Customs and Border Protection; "
              "U.S. Immigration and Customs Enforcement · Computed at " + computed)
    assert first.count(footer) == 2
    assert first.count(computed) == 3
    assert first.count("2025-12-01") == 3
    for label in ("Encounters on or after", "Agency", "Figures computed", "Chicago"):
        assert label in first
    for number, text in enumerate(pages, start=1):
        assert footer in text, number
        assert f"Page {number} of {len(pages)}" in text
    assert "Rights Desk · Statistics" in pages[-1]


def test_pdf_says_all_reports_when_no_filter_is_applied(legal):
    result = render_statistics_pdf(document=_statistics_document(legal))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    assert "None: all reports and cases" in " ".join(text.split())


# --- The API ---------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def _api_as(api, request, role: str) -> APIClient:
    if role != "anonymous":
        api.force_authenticate(request.getfixturevalue(role))
    return api


@pytest.mark.parametrize("role", ROLES)
def test_api_is_for_legal_staff_only(api, request, role):
    response = _api_as(api, request, role).get(API)
    expected = {"anonymous": 401, "legal": 200}.get(role, 403)
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["code"] == "role_not_permitted"
    if expected == 401:
        assert response.json()["code"] == "not_authenticated"


def test_api_accepts_a_token(api, legal):
    key = create_api_token(user=legal, name="statistics").key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(API).status_code == 200


def test_api_serves_the_same_figures_as_the_page_exact_for_legal(api, legal):
    _seed()
    _generated()
    api.force_authenticate(legal)
    body = api.get(API).json()
    assert body["source"] == "live"
    assert body["snapshot_id"] is None
    assert body["suppressed"] is False
    assert body["suppression_threshold"] == 5
    assert body["filters"] == {"occurred_from": None, "occurred_to": None, "agencies": []}
    _assert_figures(body, SEED_AND_GENERATED)


@pytest.mark.parametrize("params", [{}, {"sharing": "true"}, {"agency": "ice"}])
def test_api_body_is_exactly_the_documented_shape(api, legal, params):
    _seed()
    _generated()
    build_snapshot(filters=StatisticsFilters())
    api.force_authenticate(legal)
    body = api.get(API, params).json()
    assert body == json.loads(json.dumps(StatisticsSerializer(body).data))


def test_api_filters_and_snapshot_versus_live(api, legal):
    _generated()
    api.force_authenticate(legal)
    params = {"agency": "ice,border-patrol", "occurred_from": "2025-11-01"}
    filters = StatisticsFilters(occurred_from=date(2025, 11, 1), agencies=("ice", "border-patrol"))
    snapshot = build_snapshot(filters=filters)
    _report(occurred_at=_at(2025, 12, 2))
    body = api.get(API, params).json()
    assert (body["source"], body["snapshot_id"]) == ("snapshot", snapshot.pk)
    assert body["totals"]["reports"] == 4
    assert body["computed_at"] == snapshot.computed_at.astimezone(CHICAGO).isoformat()
    fresh = api.get(API, {**params, "fresh": "true"}).json()
    assert (fresh["source"], fresh["snapshot_id"], fresh["totals"]["reports"]) == (
        "live", None, 5)
    other = api.get(API, {"agency": "ice"}).json()
    assert other["source"] == "live"


def test_api_suppresses_for_sharing_and_for_callers_without_every_identity(api, legal):
    _seed()
    _generated()
    api.force_authenticate(legal)
    shared = api.get(API, {"sharing": "true"}).json()
    assert shared["suppressed"] is True
    kinds = {entry["key"]: entry for entry in shared["reports_by_kind"]}
    assert kinds["injury"] == {"key": "injury", "label": "Injury", "count": None,
                               "suppressed": "small"}
    assert kinds["weapons-drawn"]["count"] == 8
    assert counts(shared, "cases_by_priority") == {"4": None, "3": None, "2": 5, "1": None}
    api.force_authenticate(_statistics_user())
    assert api.get(API).json()["suppressed"] is True


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"agency": "no-such-agency"}, "agency"),
        ({"occurred_from": "yesterday"}, "occurred_from"),
        ({"occurred_from": "2026-02-01", "occurred_to": "2026-01-01"}, "occurred_to"),
        ({"fresh": "perhaps"}, "fresh"),
        ({"fresh": ["true", "false"]}, "fresh"),
        ({"city": "Minneapolis"}, "city"),
    ],
)
def test_api_refuses_bad_parameters_by_name(api, legal, params, bad):
    api.force_authenticate(legal)
    response = api.get(API, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert bad in response.json()["errors"]


def test_api_query_count_does_not_grow_with_reports(api, legal):
    api.force_authenticate(legal)
    _report()
    api.get(API)  # loads the permission cache, once per user
    with CaptureQueriesContext(connection) as few:
        api.get(API, {"fresh": "true"})
    for _ in range(10):
        _report(city="Edina", kinds=("detained",))
    with CaptureQueriesContext(connection) as many:
        api.get(API, {"fresh": "true"})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_api_is_in_the_openapi_schema(tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(target))
    schema = json.loads(target.read_text())
    operation = schema["paths"]["/api/v1/statistics/"]["get"]
    assert operation["operationId"] == "get_statistics"
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"occurred_from", "occurred_to", "agency", "fresh", "sharing"} <= names
    properties = schema["components"]["schemas"]["Statistics"]["properties"]
    assert {"computed_at", "source", "totals", "reports_by_month", "shares"} <= set(properties)


def test_csv_metadata_and_pdf_margins_are_in_the_readers_language():
    with translation.override("es"):
        rows = export_metadata(
            described={"occurred_from": date(2025, 12, 1), "occurred_to": None, "agencies": []},
            computed_at=timezone.now(),
            stored=True,
            exported_at=timezone.now(),
            threshold=5,
        )
        html = render_to_string("reports/statistics_pdf.html", {"applied": [], "panels": []})
    names = [row[0] for row in rows]
    assert names[:3] == ["# Estadísticas de Rights Desk", "# Encuentros a partir del",
                         "# Calculadas el"]
    assert ["# Cifras", "Cifras guardadas"] in rows
    # The page margins' words are CSS strings, escaped so no text can end them.
    assert r'content: "Rights Desk \b7  Estadísticas"' in html
    assert '"Página" " " counter(page) " " "de" " " counter(pages)' in html
