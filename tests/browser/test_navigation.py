"""Moving around the report form: the browser's back and forward buttons, the form's own Back
link, and coming back to a report left half-way, never lose an answer."""

import re

import pytest

from tests.browser.conftest import Filing, ReportForm, expect

pytestmark = pytest.mark.browser


def test_back_and_forward_between_steps_keep_every_answer(open_page):
    page = open_page("/report/")
    form = ReportForm(page)
    filing = Filing()
    form.start()
    form.about(filing)
    form.identity(filing)
    form.what(filing)
    form.when(filing)
    expect(page).to_have_url(re.compile(r"/report/who/$"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"/report/when/$"))
    expect(form.field("city")).to_have_value(filing.city)
    year, month, day = filing.occurred_date.split("-")
    expect(form.field("occurred_date_day")).to_have_value(str(int(day)))
    expect(form.field("occurred_date_month")).to_have_value(str(int(month)))
    expect(form.field("occurred_date_year")).to_have_value(year)
    expect(form.field("approximate")).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/report/what/$"))
    for kind in filing.kinds:
        expect(form.field("kinds", kind)).to_be_checked()
    expect(form.field("outcome")).to_have_value(filing.outcome)
    page.go_back()
    expect(form.field("name")).to_have_value(filing.name)
    expect(form.field("preferred_language")).to_have_value(filing.preferred_language)

    page.go_forward()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/report/when/$"))
    expect(form.field("city")).to_have_value(filing.city)
    expect(form.field("address")).to_have_value(filing.address)

    # The form's own Back link, then an answer changed on the way forward again.
    form.back()
    expect(page).to_have_url(re.compile(r"/report/what/$"))
    expect(form.field("kinds", filing.kinds[0])).to_be_checked()
    form.fill(outcome="They left after ten minutes.")
    form.save_and_continue()
    expect(form.field("city")).to_have_value(filing.city)
    form.back()
    expect(form.field("outcome")).to_have_value("They left after ten minutes.")

    # Leaving half-way and coming back in the same session finds the answers.
    page.goto("/report/")
    expect(page.locator("#start-button")).to_have_text("Continue your report")
    page.locator("#start-button").click()
    expect(form.field("role", "affected")).to_be_checked()
    expect(form.field("anonymous", "no")).to_be_checked()
