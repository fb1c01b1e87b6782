"""Every staff page in Spanish: a walk through the pages under /staff/ as a staff member whose
language setting is Spanish, failing on any English sentence of the catalogue and on common
English staff words left untranslated in the templates.

The pages come from the URL resolver, so a new staff address fails `test_every_staff_address_is_
walked_or_excused` until it is walked or excused here with its reason.
"""

import gettext
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case, StaffPreferences
from cases.services import add_note, assign_case, transition_case
from intake.language import SESSION_KEY
from tests.conftest import current_code, sign_in_without_second_factor
from tests.factories import UserFactory, report_with_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request leaves its language active in the thread; the tests after these ones call
    # services directly and read their messages in English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- What a Spanish page must not show ---------------------------------------------------------

_MO = Path(settings.BASE_DIR, "config", "locale", "es", "LC_MESSAGES", "django.mo")
# Placeholders, markup and format strings cannot be found in a page as they are written.
_UNFINDABLE = re.compile(r"%\(|%s|%d|[<>{}]|`")


@cache
def catalogue_english() -> list[str]:
    """The English sentences of the catalogue whose Spanish differs: long enough to mean
    something (two words, or 12 characters), and findable as they are written."""
    with _MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    found = []
    for msgid, msgstr in catalogue.items():
        if not isinstance(msgid, str) or not msgid or msgid == msgstr or "\x04" in msgid:
            continue
        if _UNFINDABLE.search(msgid):
            continue
        if len(msgid.split()) >= 2 or len(msgid) >= 12:
            found.append(" ".join(msgid.split()))
    return sorted(found, key=len, reverse=True)


# Words of the staff pages that are not in the catalogue's sentences (or are too short to be
# counted there) and must not be left in English on a Spanish page. Matched as whole words,
# case-sensitively, so data in lower case ("legal", a user name) does not count.
ENGLISH_STAFF_WORDS = [
    "Case queue",
    "Queue",
    "Sign out",
    "Sign in",
    "My account",
    "Status",
    "Assignee",
    "Assign",
    "Priority",
    "Due date",
    "Save",
    "Submit",
    "Cancel",
    "Reason",
    "Password",
    "Change",
    "Remove",
    "Revoke",
    "Never",
    "Last used",
    "Added",
    "Back to",
    "Your",
    "Statistics",
    "Upcoming purges",
    "Access log",
    "Legal hold",
    "Legal staff",
    "Police liaison",
    "Administrator",
    "Filter",
    "Filters",
    "Apply",
    "Clear",
    "Search",
    "Previous",
    "Next",
    "Page",
    "Unknown",
    "Actions",
    "Name",
    "Role",
    "When",
    "Who",
    "What",
    "Address",
    "Browser",
    "Code",
    "Continue",
    "Not now",
    "Tags",
    "Note",
    "Notes",
    "Evidence",
    "Timeline",
    "History",
    "Merge",
    "Download",
    "Expires",
    "Expired",
    "Recovery codes",
    "Passkeys",
    "Sessions",
    "Closed",
    "Open",
    "None",
    "The ",
    "This ",
    "You ",
    "Every ",
    "Only ",
]
_WORDS = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(word.strip()) for word in ENGLISH_STAFF_WORDS)
    + r")(?![\w-])"
)


class _VisibleText(HTMLParser):
    """The text a person reads: text nodes (the title and <template> contents too, which the
    scripts show), not attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str, *, data: tuple[str, ...] = ()) -> list[str]:
    """English left in `text`: catalogue sentences and staff words. `data` (names, titles and
    narratives the test itself stored in English) is taken out first."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    found = [sentence for sentence in catalogue_english() if sentence in text]
    found += sorted({match.group(1) for match in _WORDS.finditer(text)})
    return found


# --- The pages ---------------------------------------------------------------------------------


@dataclass
class World:
    legal: object
    liaison: object
    case: Case
    evidence_id: int
    data: tuple[str, ...]


@pytest.fixture
def world(legal, liaison) -> World:
    for user in (legal, liaison):
        StaffPreferences.objects.create(user=user, language="es")
    report = report_with_evidence(consent_to_share_with_liaison=True)
    case = report.case
    assign_case(case=case, assignee=liaison, actor=legal, expected_version=None)
    transition_case(
        case=case, to=Case.Status.TRIAGED, actor=legal, reason="Revisado", expected_version=None
    )
    add_note(case=case, author=legal, body="Llamar a la familia el lunes.", visibility="staff")
    case.refresh_from_db()
    # What the factories stored in English is the reporter's, not the interface's.
    people = [legal, liaison]
    data = {case.title, case.reference, *(user.get_full_name() for user in people)}
    data |= {user.get_username() for user in people} | {user.email for user in people}
    for saved in report.__class__.objects.filter(case=case):
        data |= {saved.narrative, getattr(saved, "title", "")}
    for evidence in report.evidence.all():
        data |= {evidence.description, evidence.original_name}
    return World(legal, liaison, case, report.evidence.get().pk, tuple(v for v in data if v))


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.session[SESSION_KEY] == "es"  # The setting, applied at sign-in.
    return client


def _anonymous() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="es")


def _reset_link(user) -> str:
    return reverse(
        "cases:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _enrolling(world: World) -> tuple[Client, object]:
    """A new account with a Spanish setting, past the password, with no second factor yet."""
    newcomer = UserFactory(username="nuevo")
    newcomer.groups.add(*world.liaison.groups.all())
    StaffPreferences.objects.create(user=newcomer, language="es")
    client = Client()
    sign_in_without_second_factor(client, newcomer)
    return client, newcomer


def _enrolled(world: World, step: str) -> str:
    """The pages of enrolment after the code: the passkey offer, then the recovery codes."""
    client, newcomer = _enrolling(world)
    assert client.get(reverse("cases:enrol")).status_code == 200
    device = TOTPDevice.objects.get(user=newcomer)
    answer = client.post(reverse("cases:enrol"), {"code": current_code(device)})
    assert answer.status_code == 302, answer.content
    return _page(client, reverse(step))


def _page(client: Client, url: str, *, follow: bool = False) -> str:
    response = client.get(url, follow=follow)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Language"] == "es", url
    return response.content.decode()


def _verify_page(world: World) -> str:
    client = Client()
    sign_in_without_second_factor(client, world.liaison)
    TOTPDevice.objects.create(user=world.liaison, name="App", confirmed=True)
    return _page(client, reverse("cases:verify"))


# Each staff page walked: the URL name, and how to fetch it in Spanish. Some are walked by more
# than one person (a liaison's case page shows other parts than legal staff's).
PAGES = {
    "cases:login": lambda w: _page(_anonymous(), reverse("cases:login")),
    "cases:password-reset": lambda w: _page(_anonymous(), reverse("cases:password-reset")),
    "cases:password-reset-done": lambda w: _page(
        _anonymous(), reverse("cases:password-reset-done")
    ),
    "cases:password-reset-confirm": lambda w: (
        _page(_anonymous(), reverse("cases:password-reset-confirm", args=["MQ", "wrong-token"]))
        + _page(_anonymous(), _reset_link(w.liaison), follow=True)
    ),
    "cases:password-reset-complete": lambda w: _page(
        _anonymous(), reverse("cases:password-reset-complete")
    ),
    "cases:verify": _verify_page,
    "cases:enrol": lambda w: _page(_enrolling(w)[0], reverse("cases:enrol")),
    "cases:enrol-passkey": lambda w: _enrolled(w, "cases:enrol-passkey"),
    "cases:enrol-recovery-codes": lambda w: _enrolled(w, "cases:enrol-recovery-codes"),
    "cases:account": lambda w: (
        _page(_signed_in(w.legal), reverse("cases:account"))
        + _page(_signed_in(w.liaison), reverse("cases:account"))
    ),
    "cases:password-change": lambda w: _page(_signed_in(w.legal), reverse("cases:password-change")),
    "cases:sessions": lambda w: _page(_signed_in(w.legal), reverse("cases:sessions")),
    "cases:sign-in-methods": lambda w: _page(
        _signed_in(w.liaison), reverse("cases:sign-in-methods")
    ),
    "cases:upcoming-purges": lambda w: _page(_signed_in(w.legal), reverse("cases:upcoming-purges")),
    "accesslog:list": lambda w: _page(_signed_in(w.legal), reverse("accesslog:list")),
    "api_tokens:tokens": lambda w: _page(_signed_in(w.liaison), reverse("api_tokens:tokens")),
    "cases:queue": lambda w: (
        _page(_signed_in(w.legal), reverse("cases:queue"))
        + _page(_signed_in(w.liaison), reverse("cases:queue"))
    ),
    "cases:case": lambda w: (
        _page(_signed_in(w.legal), f"/staff/cases/{w.case.reference}/")
        + _page(_signed_in(w.liaison), f"/staff/cases/{w.case.reference}/")
    ),
    # Without the script, the suggestions' address leads to the case page that lists them.
    "cases:duplicates": lambda w: _page(
        _signed_in(w.liaison), reverse("cases:duplicates", args=[w.case.reference]), follow=True
    ),
    "reports:statistics": lambda w: _page(_signed_in(w.legal), reverse("reports:statistics")),
    "cases:save-view": lambda w: _page(_signed_in(w.liaison), reverse("cases:save-view")),
}

# Staff addresses that are not pages to walk, and why.
EXCUSED = {
    "cases:home": "a redirect to the queue",
    "cases:logout": "POST only: signs out",
    "cases:enrol-qr-code": "an SVG image, no text",
    "cases:remove-passkey": "POST only: answers with the sign-in-methods page or a redirect",
    "cases:new-recovery-codes": "POST only: answers with the recovery codes page (walked)",
    "cases:account-language": "POST only: redirects to My account",
    "cases:end-session": "POST only: redirects to the sessions page",
    "cases:end-other-sessions": "POST only: redirects to the sessions page",
    "cases:bulk": "POST only: redirects to the queue",
    "cases:queue-export": "a CSV file of codes, dates and the cases' own titles",
    "cases:delete-view": "POST only: redirects to the queue",
    "cases:transition": "POST only: a case action",
    "cases:assign": "POST only: a case action",
    "cases:priority": "POST only: a case action",
    "cases:due-date": "POST only: a case action",
    "cases:tags": "POST only: a case action",
    "cases:add-note": "POST only: a case action",
    "cases:merge": "POST only: a case action",
    "cases:ask-reporter": "POST only: a case action",
    "cases:place-hold": "POST only: a case action",
    "cases:lift-hold": "POST only: a case action",
    "cases:download-evidence": "a file download",
    "api_tokens:revoke": "POST only: redirects to the tokens page",
    "accesslog:csv": "a CSV file",
    "reports:recompute": "POST only: redirects to the statistics page",
    "reports:csv": "a CSV file",
    "reports:pdf": "a PDF file",
    "reports:document": "a statistics document's status, owned by the statistics page",
    "documents:request": "POST only: asks for a case file",
    "documents:download": "a file download",
}


def _staff_url_names(patterns=None, prefix: str = "", namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _staff_url_names(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and route.startswith("staff/") and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_staff_address_is_walked_or_excused():
    names = _staff_url_names()
    # The passkeys' JSON endpoints (cases/passkey_urls.py) speak to a script, not a person.
    names = {name for name in names if not name.startswith("otp_webauthn:")}
    assert names - PAGES.keys() - EXCUSED.keys() == set()
    assert (PAGES.keys() | EXCUSED.keys()) - names == set()


@pytest.mark.parametrize("name", list(PAGES))
def test_staff_page_in_spanish_has_no_english(name, world):
    text = visible_text(PAGES[name](world))
    assert english_in(text, data=world.data) == []


# --- The checker itself ------------------------------------------------------------------------


def test_the_checker_finds_english_from_the_catalogue_and_staff_words():
    html = (
        "<title>Mi cuenta</title><script>var s = 'Sign out';</script>"
        '<p title="Your sessions">Cambiar la contraseña</p><p>Back to my account</p>'
    )
    assert english_in(visible_text(html)) == ["Back to my account", "Back to"]
    assert english_in(visible_text("<p>Volver a mi cuenta</p>")) == []


def test_the_catalogue_list_is_long_and_skips_placeholders():
    english = catalogue_english()
    assert len(english) > 300
    assert "Change password" in english
    assert not [sentence for sentence in english if "%(" in sentence]
