"""The case queue on a 1366x768 laptop in headless Chromium: every column in sight without
sideways scrolling, ten rows and more above the fold, the bulk bar appearing when a row is
ticked, a whole row opening its case, a saved view that outlives signing out, and axe-core
finding nothing wrong. Screenshots of each state go to the test artifacts."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import Case
from cases.roles import Role
from intake.services import submit_report
from tests.browser.conftest import ARTIFACTS, expect, sign_in_staff
from tests.factories import ReportSubmissionFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
LAPTOP = {"width": 1366, "height": 768}
COLUMNS = [
    "Case",
    "Status",
    "Priority",
    "What happened",
    "When and where",
    "Agencies",
    "Assignee",
    "Age",
]


def _liaison(username: str, first: str, last: str):
    user = UserFactory(username=username, password=PASSWORD, first_name=first, last_name=last)
    user.groups.add(Group.objects.get(name=Role.LIAISON.value))
    return user


def _cases(count: int) -> list[Case]:
    return [
        submit_report(submission=ReportSubmissionFactory(), channel="web").report.case
        for _ in range(count)
    ]


def _queue(open_page, path: str = "/staff/cases/", username: str = "liaison"):
    # The axe check injects a script: the page is opened for it (see conftest.axe).
    page = open_page(path, bypass_csp=True)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, username, PASSWORD)
    expect(page.locator("h1")).to_have_text("Case queue")
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"queue-{name}.png")


def test_every_column_fits_a_laptop_screen_with_ten_rows_above_the_fold(open_page, axe):
    liaison = _liaison("liaison", "Lee", "Ray")
    cases = _cases(25)
    Case.objects.filter(pk=cases[0].pk).update(assignee=liaison)
    page = _queue(open_page)
    _shot(page, "laptop")

    layout = page.evaluate(
        """() => {
            const table = document.getElementById("queue-table");
            const box = document.getElementById("queue-table-container");
            return {
                pageScroll: document.documentElement.scrollWidth,
                width: window.innerWidth,
                height: window.innerHeight,
                boxScroll: box.scrollWidth,
                boxWidth: box.clientWidth,
                tableRight: table.getBoundingClientRect().right,
                cells: [...table.querySelectorAll("th, td")].map(cell => {
                    const r = cell.getBoundingClientRect();
                    return {left: r.left, right: r.right, text: cell.innerText.trim()};
                }),
                rowsInView: [...table.querySelectorAll("tbody tr")].filter(row => {
                    const r = row.getBoundingClientRect();
                    return r.top >= 0 && r.bottom <= window.innerHeight;
                }).length,
            };
        }"""
    )
    assert layout["pageScroll"] <= layout["width"], layout["pageScroll"]
    assert layout["boxScroll"] <= layout["boxWidth"]
    assert all(
        cell["left"] >= 0 and cell["right"] <= layout["width"] for cell in layout["cells"]
    ), [cell for cell in layout["cells"] if cell["right"] > layout["width"]][:3]
    headers = page.locator("#queue-table thead th")
    for name in COLUMNS:
        expect(headers.filter(has_text=re.compile(rf"^{name}$"))).to_be_in_viewport()
    assert layout["rowsInView"] >= 10, layout["rowsInView"]
    # People by name, and the tick box a 44x44 px target with a label that says what it ticks.
    expect(page.locator(f"#case-{cases[0].reference}")).to_contain_text("Lee Ray")
    box = page.locator(f'label[for="select-{cases[0].reference}"]').bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    expect(page.get_by_label(f"Select {cases[0].reference}")).to_have_count(1)
    axe(page, "the queue at 1366x768")

    # The header stays in sight while the rows scroll under it.
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(200)
    expect(page.locator("#queue-table thead th").first).to_be_in_viewport()
    _shot(page, "laptop-scrolled")


def test_ticking_a_row_shows_the_bulk_bar_and_a_row_click_opens_the_case(open_page, axe):
    _liaison("liaison", "Lee", "Ray")
    _liaison("liaison2", "Sam", "Ortiz")
    first, second = _cases(2)
    page = _queue(open_page)
    bar = page.locator("#bulk-form")
    expect(bar).to_be_hidden()

    page.locator(f'label[for="select-{first.reference}"]').click()
    expect(bar).to_be_visible()
    expect(page.locator("#bulk-status")).to_have_text("1 case selected.")
    page.locator(f'label[for="select-{second.reference}"]').click()
    expect(page.locator("#bulk-status")).to_have_text("2 cases selected.")
    # The bar comes above the table.
    bar_box = bar.bounding_box()
    assert bar_box["y"] + bar_box["height"] <= page.locator("#queue-table").bounding_box()["y"]
    _shot(page, "bulk-bar")
    axe(page, "the queue with the bulk bar")

    page.locator('label[for="id_bulk-action_0"]').click()
    page.locator("#id_bulk-assignee").select_option(label="Sam Ortiz")
    page.locator("#bulk-submit").click()
    expect(page.get_by_role("status")).to_contain_text(first.reference)
    expect(page.locator(f"#case-{first.reference}")).to_contain_text("Sam Ortiz")
    expect(bar).to_be_hidden()

    # A click on the row's empty space, not on its link, opens the case.
    page.locator(f"#case-{second.reference} td").last.click()
    expect(page).to_have_url(re.compile(rf"/staff/cases/{second.reference}/$"))


def test_the_bulk_form_works_without_javascript(open_page):
    _liaison("liaison", "Lee", "Ray")
    (case,) = _cases(1)
    page = open_page("/staff/cases/", javascript=False)
    page.set_viewport_size(LAPTOP)
    sign_in_staff(page, "liaison", PASSWORD)
    expect(page.locator("#bulk-form")).to_be_visible()
    page.locator(f"#select-{case.reference}").check()
    page.locator('label[for="id_bulk-action_1"]').click()
    page.locator("#id_bulk-to").select_option("triaged")
    page.locator("#bulk-submit").click()
    expect(page.locator(f"#case-{case.reference}")).to_contain_text("Triaged")


def test_a_saved_view_survives_signing_out_and_in(open_page, axe):
    liaison = _liaison("liaison", "Lee", "Ray")
    urgent, calm, overdue = _cases(3)
    Case.objects.filter(pk=urgent.pk).update(
        priority=Case.Priority.URGENT, computed_priority=Case.Priority.URGENT
    )
    Case.objects.filter(pk=overdue.pk).update(
        assignee=liaison, due_date=timezone.localdate() - timedelta(days=3)
    )
    page = _queue(open_page)

    page.locator("#view-unassigned-urgent").click()
    expect(page.locator("#view-unassigned-urgent")).to_have_attribute("aria-current", "page")
    expect(page.locator(f"#case-{urgent.reference}")).to_be_visible()
    expect(page.locator(f"#case-{calm.reference}")).to_have_count(0)
    page.locator("#view-overdue").click()
    expect(page.locator(f"#case-{overdue.reference}")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)

    page.locator("#filter-clear").click()
    page.locator("#filters summary").click()
    page.locator('label[for="id_priority_3"]').click()  # Urgent
    _shot(page, "more-filters")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#more-filters-submit").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.locator("#save-view summary").click()
    page.locator("#id_name").fill("Urgent, anyone's")
    _shot(page, "save-view")
    page.locator("#save-view-submit").click()
    view = page.get_by_role("link", name="Urgent, anyone's", exact=True)
    expect(view).to_have_attribute("aria-current", "page")
    axe(page, "the queue with a saved view")

    page.locator("#logout-button").click()
    page.goto("/staff/cases/")
    sign_in_staff(page, "liaison", PASSWORD)
    view = page.get_by_role("link", name="Urgent, anyone's", exact=True)
    view.click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"#case-{urgent.reference}")).to_be_visible()
    _shot(page, "saved-view")

    page.get_by_role("button", name="Delete the saved view “Urgent, anyone's”").click()
    expect(page.get_by_role("link", name="Urgent, anyone's", exact=True)).to_have_count(0)
