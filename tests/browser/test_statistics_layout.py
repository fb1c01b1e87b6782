"""Legal staff read the statistics on a laptop screen (1366x768) in headless Chromium: every
chart is at least about half as wide as the page's content, nothing scrolls sideways, no label
of any chart is cut off (every text of an SVG lies inside it), and axe-core finds nothing."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cases.roles import Role
from intake.models import Report
from intake.services import submit_report
from tests.browser.conftest import ARTIFACTS, expect, sign_in_staff
from tests.factories import EncounterInputFactory, ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
LAPTOP = {"width": 1366, "height": 768}
CHICAGO = ZoneInfo("America/Chicago")

# Long labels of every kind: agencies' full names, kinds of encounter, cities.
LONG_LABELS = [
    (
        "Columbia Heights",
        ("papers-demanded", "agents-unidentified"),
        ("ice-ero", "hennepin-sheriff"),
    ),
    ("Brooklyn Park", ("recording-interfered", "questioned-status"), ("brooklyn-park-pd", "cbp")),
    ("Saint Anthony Village", ("threats-verbal-abuse",), ("ice-hsi", "minneapolis-pd")),
    ("Minneapolis-Saint Paul International Airport", ("detained",), ("border-patrol",)),
]


def _figures() -> None:
    call_command("load_seed_cases", stdout=io.StringIO())
    for month, (city, kinds, agencies) in enumerate(LONG_LABELS * 2, start=1):
        encounter = EncounterInputFactory(
            occurred_at=datetime(2025, month, 10, 12, tzinfo=CHICAGO) + timedelta(days=month),
            city=city,
            kind_codes=kinds,
            agency_codes=agencies,
            perceived_basis_codes=("national-origin",),
        )
        submit_report(
            submission=ReportSubmissionFactory(encounter=encounter), channel=Report.Channel.WEB
        )


# Each SVG's box, and the boxes of its texts that reach outside it (half a pixel of rounding).
CUT_TEXTS = """() => [...document.querySelectorAll("svg.rd-chart")].map(svg => {
  const box = svg.getBoundingClientRect();
  const cut = [...svg.querySelectorAll("text")].filter(text => {
    const r = text.getBoundingClientRect();
    return r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5
      || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5);
  }).map(text => text.textContent);
  return {id: svg.id, width: box.width, cut};
})"""


def test_statistics_use_the_page_width_and_cut_no_label_on_a_laptop(open_page, axe):
    legal = UserFactory(username="legal", password=PASSWORD)
    legal.groups.add(Group.objects.get(name=Role.LEGAL.value))
    _figures()

    page = open_page("/staff/cases/", bypass_csp=True)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "legal", PASSWORD)
    page.locator("#nav-statistics").click()
    expect(page.locator("h1")).to_have_text("Statistics")
    expect(page.locator("#total-reports")).to_have_text("21")

    container = page.locator("#main-content .grid-container-widescreen").bounding_box()
    charts = page.evaluate(CUT_TEXTS)
    assert len(charts) == 8
    for chart in charts:
        assert chart["width"] >= 0.45 * container["width"], chart
        assert chart["cut"] == [], chart
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "statistics-1366x768.png", scale="css")
    page.screenshot(path=ARTIFACTS / "statistics-full-1366x768.png", full_page=True, scale="css")
    axe(page, "the statistics page")

    # Filtered by agency and dates, with the filters open: the same holds.
    page.locator("#filters > summary").click()
    page.locator('label[for="id_agency_0"]').click()
    page.locator("#id_occurred_from").fill("2025-01-01")
    page.locator("#filter-submit").click()
    expect(page.locator("#filters-summary")).to_contain_text("Encounters on or after")
    for chart in page.evaluate(CUT_TEXTS):
        assert chart["width"] >= 0.45 * container["width"], chart
        assert chart["cut"] == [], chart
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    page.screenshot(path=ARTIFACTS / "statistics-filtered-1366x768.png", scale="css")
    axe(page, "the statistics page with filters")
