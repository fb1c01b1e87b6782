"""Headless Chromium against the live server: the browser, pages that record every request, and
an axe-core check.

The browser is Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser).
Without either, these tests skip with the reason; in CI (CI=true) they fail instead.
"""

import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from config.env import BASE_DIR
from tests.conftest import confirmed_app_device, current_code, need_service

try:
    from playwright.sync_api import Browser, Page, sync_playwright
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect as _playwright_expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    sync_playwright = None
    _playwright_expect = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Chromium's own traffic (updates, sync, field trials) would otherwise reach the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = BASE_DIR / "assets" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = BASE_DIR / "test-artifacts" / "browser"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# Generous enough for a slow CI machine, short enough that a missing element fails in seconds.
TIMEOUT_MS = 10_000


def expect(*args: Any, **kwargs: Any) -> Any:
    """Playwright's auto-waiting assertions, importable by the test modules even where
    Playwright is missing (the `browser` fixture has skipped those tests by then)."""
    return _playwright_expect(*args, **kwargs)


@dataclass
class BrowserLog:
    """Everything the pages of one test asked for, and everything that went wrong in them."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests that left `origin`. data: and blob: URLs never reach the network."""
        own = urlsplit(origin)
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob")
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Let fixtures see whether the test itself failed, to take screenshots on the way out.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# One browser for all the browser tests, closed when they are done ("package" scope: the
# browser tests run one after another, pytest-django puts live-server tests together), not at
# the end of the whole run: while Playwright runs, this thread looks async to Django (see
# below), which other tests must not inherit.
@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator["Browser"]:
    # The test database exists before Playwright starts, and outlives the browser.
    need_service(
        "Playwright",
        sync_playwright is not None,
        "install the dev extras (pip install -e '.[dev]')",
    )
    need_service(
        "Chromium",
        shutil.which(CHROMIUM) is not None,
        f"install Debian's chromium package to get {CHROMIUM}",
    )
    # Playwright's synchronous API keeps an asyncio loop running in this thread (in another
    # greenlet) while the browser is open. Django then sees "async code": its guard would
    # refuse every query the tests make, and it would keep connections per asyncio context
    # instead of per thread, handing the tests new connections that know nothing of the test
    # database's setup (such as the contents kept for serialized rollback). Nothing async
    # touches the ORM here: the tests' queries are plain synchronous calls in this thread, and
    # the live server has its own. So: no guard, and the tests get their own connections back,
    # for as long as the browser runs.
    own_connections = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in own_connections.items():
            connections[alias] = connection
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Iterator[Any]:
    """pytest-django's live server (static files served as in development), started with a
    MEDIA_URL it can parse.

    Django's test server always wraps the site in a handler that serves MEDIA_URL from
    MEDIA_ROOT, and fails on every request when MEDIA_URL is None, as our settings have it
    (evidence is never served by URL). A URL on another host is one that handler never
    answers, so the test server serves no media either. Only the handler reads it, once, at
    start; the site runs with the real setting.
    """
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest,
    browser: "Browser",
    live_server: Any,
    browser_log: BrowserLog,
    settings: Any,
    django_db_serialized_rollback: None,
) -> Iterator[Callable[..., "Page"]]:
    """Open a page on the live server in a fresh context (its own cookies and session).

    The live server answers from another thread, so these tests use the transactional
    database (live_server asks for it); serialized rollback puts back the rows the migrations
    made (agencies, encounter kinds, role groups) after each test empties the tables.

    `phone=True`: a 390x844 touch screen. `javascript=False`: scripts off, as for someone who
    turned them off. `bypass_csp=True` is only for the axe check (see `axe`).
    """
    # Every test files from 127.0.0.1, and the limits count per address across tests.
    settings.INTAKE_SUBMISSION_RATE = "1000/hour"
    settings.INTAKE_STATUS_LOOKUP_RATE = "1000/hour"
    contexts = []
    pages: list[Page] = []

    def _open(
        path: str = "/",
        *,
        phone: bool = False,
        javascript: bool = True,
        bypass_csp: bool = False,
    ) -> "Page":
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
            # The browser asks for English; the Spanish test switches with the switcher.
            locale="en-US",
            **(PHONE if phone else {"viewport": {"width": 1280, "height": 900}}),
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda req: browser_log.requests.append(req.url))
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: msg.type == "error" and browser_log.console_errors.append(msg.text),
        )
        page.on("pageerror", lambda exc: browser_log.page_errors.append(str(exc)))
        pages.append(page)
        if path:
            page.goto(path)
        return page

    yield _open

    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, page in enumerate(pages, start=1):
            if not page.is_closed():
                page.screenshot(
                    path=ARTIFACTS / f"{name}-{number}.png", full_page=True, scale="css"
                )
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., "Page"]) -> "Page":
    """A desktop-sized page with JavaScript on, not yet navigated."""
    return open_page("")


def _violation_text(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"][:5]:
        summary = node["failureSummary"].replace("\n", "\n        ")
        lines.append(f"    at {', '.join(map(str, node['target']))}: {summary}")
    if len(violation["nodes"]) > 5:
        lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(scope="package")
def axe_source(browser: "Browser") -> str:
    need_service(
        "axe-core",
        AXE_SCRIPT.exists(),
        "run `npm ci` in assets/ (the README's setup does)",
    )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[..., None]:
    """`axe(page, "where")` fails with a readable list of WCAG 2.1 A/AA violations.

    Playwright injects axe-core as an inline <script>, which our Content Security Policy
    (rightly) forbids; pages checked with axe are opened with `bypass_csp=True`, and only those.
    The other browser tests run under the real policy.
    """

    def check(page: "Page", where: str) -> None:
        if page.evaluate("typeof window.axe") == "undefined":
            try:
                page.add_script_tag(content=axe_source)
            except PlaywrightError as error:
                pytest.fail(
                    f"could not inject axe-core on {where}: {error.message}\n"
                    "(open pages for the axe check with open_page(..., bypass_csp=True))",
                    pytrace=False,
                )
        results = page.evaluate(
            """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
                .then(r => r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))
                })))""",
            AXE_TAGS,
        )
        if results:
            report = "\n".join(_violation_text(v) for v in results)
            pytest.fail(
                f"axe-core found {len(results)} WCAG 2.1 A/AA violation(s) on {where} "
                f"({page.url}):\n{report}",
                pytrace=False,
            )

    return check


# --- Filling in the report form ----------------------------------------------------------------


def tiny_png() -> bytes:
    """A real 2x2 PNG, built by hand so the tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xc0\x30\x30\x30\x30\xc0" * 2)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Witness:
    name: str
    contact: str
    statement: str


@dataclass(frozen=True)
class Filing:
    """What a person types into the form, so tests can look for it (or its absence) later."""

    role: str = "affected"
    anonymous: str = "no"
    name: str = "Ana Example"
    occupation: str = "nurse"
    preferred_language: str = "es"
    kinds: tuple[str, ...] = ("boxed-in", "weapons-drawn")
    outcome: str = "They drove off when a neighbour started filming."
    occurred_date: str = field(
        default_factory=lambda: (timezone.localdate() - timedelta(days=2)).isoformat()
    )
    occurred_time: str = "07:45"
    address: str = "Brooklyn Blvd and Zane Ave N"
    city: str = "Brooklyn Park"
    agencies: tuple[str, ...] = ("ice",)
    agent_count: str = "4"
    vehicle_count: str = "2"
    plates: str = "XKC 481"
    agents_identified: str = "no"
    perceived_basis: tuple[str, ...] = ("skin-colour",)
    witnesses: tuple[Witness, ...] = (
        Witness("Luis Neighbour", "+1 612 555 0111", "I saw two grey SUVs block her car."),
        Witness("Dana Passerby", "dana@example.org", "They had their hands on their guns."),
    )
    narrative: str = (
        "On my way to work two unmarked SUVs boxed my car in. Four agents got out, two drew "
        "their guns and one demanded my papers."
    )
    email: str = "ana@example.org"
    phone: str = "+1 612 555 0100"

    def personal_data(self) -> list[str]:
        """Everything that identifies the person or the incident, for pages that must show none."""
        return [
            self.name,
            self.occupation,
            self.address,
            self.plates,
            self.email,
            self.phone,
            self.narrative[:40],
            self.outcome[:30],
            *(w.name for w in self.witnesses),
            *(w.contact for w in self.witnesses),
        ]


class ReportForm:
    """Drives /report/ the way a person does: one page at a time, pressing its buttons.

    Fields are found by their names, so the same steps work in every language; the tests
    check the words on each page themselves.
    """

    def __init__(self, page: "Page") -> None:
        self.page = page

    def heading(self) -> Any:
        return self.page.locator("h1")

    def field(self, name: str, value: str | None = None) -> Any:
        selector = f'#step-form [name="{name}"]'
        if value is not None:
            selector += f'[value="{value}"]'
        return self.page.locator(selector)

    def choose(self, name: str, *values: str) -> None:
        # The USWDS radio buttons and checkboxes are drawn over visually hidden inputs; a
        # person taps the label, so do the same.
        for value in values:
            input_id = self.field(name, value).get_attribute("id")
            self.page.locator(f'label[for="{input_id}"]').click()
            expect(self.field(name, value)).to_be_checked()

    def tick(self, name: str) -> None:
        self.page.locator(f'label[for="id_{name}"]').click()
        expect(self.field(name)).to_be_checked()

    def fill(self, **values: str) -> None:
        for name, value in values.items():
            self.field(name).fill(value)

    def save_and_continue(self) -> None:
        self.page.locator("#continue-button").click()
        self.page.wait_for_load_state()

    def back(self) -> None:
        """The Back link at the top of the page (on a step, a button of its form)."""
        self.page.locator("#back-link").click()
        self.page.wait_for_load_state()

    def switch_language(self, code: str) -> None:
        self.page.locator(f"#language-{code}").click()
        self.page.wait_for_load_state()

    def fill_date(self, iso: str) -> None:
        """Type a date into the day, month and year boxes, as a person writes it."""
        year, month, day = iso.split("-")
        self.fill(
            occurred_date_day=str(int(day)),
            occurred_date_month=str(int(month)),
            occurred_date_year=year,
        )

    # The steps, in order. Each leaves the browser on the next page.

    def start(self) -> None:
        self.page.goto("/report/")
        self.page.locator("#start-button").click()

    def about(self, filing: Filing) -> None:
        self.choose("role", filing.role)
        self.choose("anonymous", filing.anonymous)
        self.save_and_continue()

    def identity(self, filing: Filing) -> None:
        self.fill(name=filing.name, occupation=filing.occupation)
        self.field("preferred_language").select_option(filing.preferred_language)
        self.save_and_continue()

    def what(self, filing: Filing) -> None:
        self.choose("kinds", *filing.kinds)
        self.fill(outcome=filing.outcome)
        self.save_and_continue()

    def when(self, filing: Filing) -> None:
        self.fill_date(filing.occurred_date)
        self.fill(occurred_time=filing.occurred_time, address=filing.address, city=filing.city)
        self.tick("approximate")
        self.field("state").select_option("MN")
        self.save_and_continue()

    def who(self, filing: Filing) -> None:
        self.choose("agencies", *filing.agencies)
        self.fill(
            agent_count=filing.agent_count,
            vehicle_count=filing.vehicle_count,
            plates=filing.plates,
        )
        self.choose("agents_identified", filing.agents_identified)
        self.save_and_continue()

    def why(self, filing: Filing) -> None:
        self.choose("perceived_basis", *filing.perceived_basis)
        self.save_and_continue()

    def witnesses(self, filing: Filing) -> None:
        for number, witness in enumerate(filing.witnesses, start=1):
            self.fill(name=witness.name, contact=witness.contact, statement=witness.statement)
            self.tick("willing_to_be_contacted")
            self.page.locator("#add-witness-button").click()
            expect(self.page.locator(f"#witness-{number}")).to_contain_text(witness.name)
        self.save_and_continue()

    def evidence(self, photo: Path | None) -> None:
        if photo is not None:
            self.field("files").set_input_files(photo)
            self.fill(description="The two SUVs, taken from my car")
            self.page.locator("#upload-button").click()
            expect(self.page.locator("#file-list")).to_contain_text(photo.name)
        self.save_and_continue()

    def account(self, filing: Filing) -> None:
        self.fill(narrative=filing.narrative)
        self.save_and_continue()

    def contact(self, filing: Filing) -> None:
        self.fill(email=filing.email, phone=filing.phone)
        self.tick("consent_to_contact")
        self.tick("safe_to_contact")
        self.save_and_continue()

    def send(self) -> tuple[str, str]:
        """Send the report from the review page; returns the receipt's tracking code and
        secret."""
        self.page.locator("#submit-button").click()
        code = self.page.locator("#tracking-code")
        expect(code).to_have_text(re.compile(r"^\s*RD-[0-9A-Z]{4}-[0-9A-Z]{4}\s*$"))
        secret = self.page.locator("#status-secret").inner_text().strip()
        return code.inner_text().strip(), secret

    def check_status(self, tracking_code: str, secret: str) -> None:
        """From any page: follow the footer link to the status page and look the report up."""
        self.page.locator("#footer-status-link").click()
        self.page.locator('#status-form [name="tracking_code"]').fill(tracking_code)
        self.page.locator('#status-form [name="secret"]').fill(secret)
        self.page.locator("#status-button").click()
        self.page.wait_for_load_state()


def sign_in_staff(page: "Page", username: str, password: str) -> None:
    """Sign in on the page's staff sign-in form: the password, then the code from the account's
    authenticator app (made for it first if it has none)."""
    from django.contrib.auth import get_user_model

    device = confirmed_app_device(get_user_model().objects.get(username=username))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#login-button").click()
    page.locator("#id_code").fill(current_code(device))
    page.locator("#verify-button").click()


@pytest.fixture
def passkeys_on_the_live_server(settings: Any, live_server: Any) -> None:
    """Passkeys work at http://localhost:PORT: WebAuthn needs a secure context, which localhost
    is, and an RP ID the origin belongs to."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")


def add_virtual_authenticator(page: "Page") -> None:
    """Chromium's DevTools virtual authenticator for the page's browser context: a platform
    authenticator that keeps passkeys and always verifies its user, as a phone's screen lock
    would."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
