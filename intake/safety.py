"""What the public pages say to keep a person safe: the help lines, the legal help, the quick
exit, and what each status of a report means for the person who sent it.

The lines and the legal help are the deployment's own (URGENT_HELP_LINES, LEGAL_HELP); nothing
here names a real organisation or number. With DEBUG on and nothing configured, the pages show
made-up examples that say so, so a developer sees where the lines appear; in production an
unconfigured deployment shows 911 alone, and `check --deploy` warns (intake/checks.py).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Case

# Where the quick exit goes when QUICK_EXIT_URL is not set, or not an address it may use.
DEFAULT_QUICK_EXIT_URL = "https://www.weather.gov/"

# Numbers in 555-0100 to 555-0199 are set aside for fiction: no one can be called on them.
EXAMPLE_HELP_LINES: tuple[dict[str, Any], ...] = (
    {
        "name": _("Example rapid response line — not a real number"),
        "phone": "612-555-0199",
        "hours": _("24 hours, an example"),
    },
)
EXAMPLE_LEGAL_HELP: dict[str, Any] = {
    "name": _("Example legal aid organisation — not a real one"),
    "phone": "612-555-0188",
    "url": "https://legal-help.example.org/",
    "hours": _("Weekdays, an example"),
}


@dataclass(frozen=True)
class HelpLine:
    name: str
    phone: str
    hours: str = ""
    url: str = ""

    @property
    def tel(self) -> str:
        """The number as a `tel:` link dials it: digits, and a leading + if it has one."""
        digits = re.sub(r"\D", "", self.phone)
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}"


def _text(value: Any) -> str:
    """A configured text: a string, or an object by language code read in the page's language
    (then the site's, then any)."""
    if isinstance(value, dict):
        for code in (get_language(), settings.LANGUAGE_CODE):
            if code and value.get(code):
                return str(value[code])
        return str(next((text for text in value.values() if text), ""))
    if value is None:
        return ""
    return str(value)


def is_outside_address(value: object) -> bool:
    """Whether `value` is an absolute http(s) address, the only kind the quick exit and the
    legal help may link to: a `javascript:` or relative value would run script in our pages or
    keep a person who is leaving on this site."""
    if not isinstance(value, str):
        return False
    return re.fullmatch(r"https?://[^/\\\s]+(/\S*)?", value) is not None


def quick_exit_url() -> str:
    """QUICK_EXIT_URL, or the neutral default when it is not an outside address (the system
    check says so)."""
    configured = settings.QUICK_EXIT_URL
    return configured if is_outside_address(configured) else DEFAULT_QUICK_EXIT_URL


def _line(entry: dict[str, Any]) -> HelpLine:
    url = _text(entry.get("url"))
    return HelpLine(
        name=_text(entry.get("name")),
        phone=_text(entry.get("phone")),
        hours=_text(entry.get("hours")),
        url=url if is_outside_address(url) else "",
    )


def configuration_problems() -> list[str]:
    """What is wrong with URGENT_HELP_LINES and LEGAL_HELP, in words for an operator."""
    problems = []
    lines = settings.URGENT_HELP_LINES
    if not isinstance(lines, list | tuple):
        return ["URGENT_HELP_LINES must be a JSON list of lines."]
    for number, entry in enumerate(lines, start=1):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("phone"):
            problems.append(f"URGENT_HELP_LINES entry {number} needs a name and a phone.")
    legal = settings.LEGAL_HELP
    if not isinstance(legal, dict):
        problems.append("LEGAL_HELP must be a JSON object.")
    elif legal and not legal.get("name"):
        problems.append("LEGAL_HELP needs a name.")
    elif legal.get("url") and not is_outside_address(legal["url"]):
        problems.append("LEGAL_HELP's url must be an absolute http:// or https:// address.")
    if not is_outside_address(settings.QUICK_EXIT_URL):
        problems.append(
            "QUICK_EXIT_URL must be an absolute http:// or https:// address of another site."
        )
    return problems


def help_lines() -> list[HelpLine]:
    """The lines to call after 911, in the page's language. An entry without a name or a
    phone is left out (the system check names it)."""
    configured = settings.URGENT_HELP_LINES
    if not configured and settings.DEBUG:
        configured = EXAMPLE_HELP_LINES
    if not isinstance(configured, list | tuple):
        return []
    lines = [_line(entry) for entry in configured if isinstance(entry, dict)]
    return [line for line in lines if line.name and line.phone]


def legal_help() -> HelpLine | None:
    """The organisation the rights page sends people to, or None when there is none."""
    configured = settings.LEGAL_HELP
    if not configured and settings.DEBUG:
        configured = EXAMPLE_LEGAL_HELP
    if not isinstance(configured, dict) or not configured.get("name"):
        return None
    return _line(configured)


@dataclass(frozen=True)
class PublicStatus:
    code: str
    label: Promise
    meaning: Promise


# What each status of a case means to the person who reported it, in the workflow's order.
PUBLIC_STATUSES: tuple[PublicStatus, ...] = (
    PublicStatus(
        Case.Status.NEW,
        Case.Status.NEW.label,
        _("We have your report. It is waiting to be read by our team."),
    ),
    PublicStatus(
        Case.Status.TRIAGED,
        Case.Status.TRIAGED.label,
        _(
            "Our team has read your report and decided how urgent it is and who will work "
            "on it."
        ),
    ),
    PublicStatus(
        Case.Status.INVESTIGATING,
        Case.Status.INVESTIGATING.label,
        _(
            "We are looking into what happened: we may compare it with other reports, "
            "look for records, or talk to witnesses who agreed to be contacted."
        ),
    ),
    PublicStatus(
        Case.Status.REFERRED,
        Case.Status.REFERRED.label,
        _(
            "We have passed the case to lawyers or to an office that oversees the agents, "
            "who can act on it. We never pass it to immigration authorities."
        ),
    ),
    PublicStatus(
        Case.Status.RESOLVED,
        Case.Status.RESOLVED.label,
        _("We have finished looking into it and the case has reached an outcome."),
    ),
    PublicStatus(
        Case.Status.CLOSED,
        Case.Status.CLOSED.label,
        _(
            "The case is closed. Our work on it is finished, or we could not take it further: "
            "for example, it repeated another report or was about something we do not look "
            "into."
        ),
    ),
)
