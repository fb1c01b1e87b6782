"""The browser tests' own instruments: if these could not see a problem, the other tests'
silence would mean nothing."""

import pytest

pytestmark = pytest.mark.browser


def test_axe_check_reports_an_unlabelled_field(page, axe):
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    with pytest.raises(pytest.fail.Exception, match="label"):
        axe(page, "a page with an unlabelled field")


def test_request_log_notices_a_request_to_another_origin(open_page, browser_log, live_server):
    # Without the policy: our CSP would stop the request before the log could see it (which
    # is why the origin test also looks for CSP reports in the console).
    page = open_page("/report/", bypass_csp=True)
    page.route("http://cdn.example.invalid/**", lambda route: route.abort())
    page.evaluate("fetch('http://cdn.example.invalid/font.woff2').catch(() => null)")
    page.wait_for_timeout(200)
    assert browser_log.foreign_requests(live_server.url) == ["http://cdn.example.invalid/font.woff2"]
