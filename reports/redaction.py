"""What a redacted case file leaves out, as data, and the one function that scrubs free text.

A redacted file goes to police liaisons and, through them, outside Rights Desk. It keeps what
the incident was (kinds, agencies, time, city, plates, evidence hashes, the timeline's shape)
and drops who the complainants and witnesses are, how to reach them, and where exactly they
were. reports/case_file.py applies these tables to the loaded data, so the same template prints
both kinds of file.
"""

import re
from collections.abc import Iterable, Mapping

from cases.models import Case, CaseNote
from cases.timeline import Change, TimelineEntry
from intake.models import Complainant, Encounter, Evidence, Report, ReportFact, Witness

WITHHELD = "[withheld]"

# Structured fields emptied outright (replaced by WITHHELD wherever they held a value).
WITHHELD_FIELDS: Mapping[type, frozenset[str]] = {
    Complainant: frozenset(
        {
            "name",  # who they are (organisations and news outlets excepted, see below)
            "email",  # how to reach them
            "phone",  # how to reach them
            "race_ethnicity",  # self-described, sensitive, and narrows down who they are
            # "an off-duty Brooklyn Park officer" is enough to identify one person.
            "occupation",
        }
    ),
    Witness: frozenset(
        {
            "name",  # who they are
            "contact",  # how to reach them, in whatever form they gave
        }
    ),
    Encounter: frozenset(
        {
            # Where it happened is often where someone lives or works; city and state stay, so
            # the file still says where in the region it was.
            "address",
            "latitude",  # more precise than the address
            "longitude",
            # Kept: plates and vehicle descriptions identify the agents' vehicles, not the
            # complainant's, and are what oversight bodies need.
        }
    ),
    Evidence: frozenset(
        {
            # People name files after themselves ("ana_garcia_stop.mp4"). The type, size,
            # description (scrubbed) and SHA-256 still prove which file it is.
            "original_name",
        }
    ),
}

# Complainants in these roles are institutions, not people: their names are public and are
# what a reader needs ("Saint Paul Police Department", "Audacy"), so only their contacts go.
# Scrubbing them from free text would also eat common words ("The Independent").
INSTITUTIONAL_ROLES = frozenset({Complainant.Role.ORGANISATION, Complainant.Role.NEWS_OUTLET})

# Free text that can repeat a name, contact or address; every value goes through redact_text.
SCRUBBED_FIELDS: Mapping[type, frozenset[str]] = {
    Case: frozenset({"title", "priority_override_reason"}),
    Report: frozenset({"narrative", "source_headline"}),
    ReportFact: frozenset({"value"}),  # and so every version of a conflict
    Witness: frozenset({"statement"}),
    Encounter: frozenset(
        {"vehicle_description", "perceived_basis_other", "injuries", "outcome"}
    ),
    Evidence: frozenset({"description"}),
    CaseNote: frozenset({"body"}),
    # The subject names the record, and an evidence file by its original name.
    TimelineEntry: frozenset({"subject", "reason"}),
    Change: frozenset({"before", "after"}),
}

# Parts of a name shorter than this ("de", "la", "Li"?) are only removed as part of the full
# name: alone they would wipe out ordinary words.
MIN_NAME_PART = 3

_APOSTROPHES = "'\u2019"  # straight and curly
_APOSTROPHE = f"[{_APOSTROPHES}]"
_NAME_SPLIT = re.compile(rf"[^\w{_APOSTROPHES}]+")
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Seven to fifteen digits (counted in _phone), optionally with a leading +, parentheses,
# spaces, dots or dashes between groups. Dates shaped like 2026-01-07 or 01/07/2026 and digits
# inside codes (RD-2026-000123, hashes) are left alone.
_WITHHELD_RUN = re.compile(re.escape(WITHHELD) + r"(?:\s+" + re.escape(WITHHELD) + r")+")
_DATE = r"(?:\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})(?!\d)"
PHONE = re.compile(rf"(?<![\w+.-])(?!{_DATE})\+?\(?\d[\d\s().-]{{5,}}\d(?![\w-])")


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(char.isdigit() for char in text)
    return WITHHELD if 7 <= digits <= 15 else text


def _phrase_pattern(phrase: str) -> str:
    # Any run of white space in the phrase matches any run in the text (line breaks, double
    # spaces); straight and curly apostrophes match each other.
    words = (
        _APOSTROPHE.join(re.escape(piece) for piece in re.split(_APOSTROPHE, word))
        for word in phrase.split()
    )
    return r"\s+".join(words)


def _terms(names: Iterable[str], phrases: Iterable[str]) -> list[str]:
    terms: set[str] = set()
    for name in names:
        name = name.strip()
        if not name:
            continue
        terms.add(name)
        for part in _NAME_SPLIT.split(name):
            part = part.strip(_APOSTROPHES)
            if len(part) >= MIN_NAME_PART:
                terms.add(part)
    terms.update(phrase.strip() for phrase in phrases if phrase.strip())
    # Longest first, so "Ana Lucía Pérez" goes as one before "Ana" could split it.
    return sorted(terms, key=lambda term: (-len(term), term))


def redact_text(text: str, *, names: Iterable[str], phrases: Iterable[str] = ()) -> str:
    """`text` with every known name, contact and address replaced by WITHHELD.

    `names` are people's names: each full name and each part of three letters or more is
    removed wherever it stands as a word, in any letter case ("Ana's" keeps only the "'s").
    `phrases` (addresses, contacts in free form) are removed only whole. E-mail addresses and
    phone numbers are removed whether or not they are known.

    Over-removal is accepted: a witness called "Rose" also takes the flower out of a narrative.
    """
    if not text:
        return text
    text = EMAIL.sub(WITHHELD, text)
    terms = _terms(names, phrases)
    if terms:
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(_phrase_pattern(term) for term in terms) + r")(?!\w)",
            re.IGNORECASE,
        )
        text = pattern.sub(WITHHELD, text)
    text = PHONE.sub(_phone, text)
    # "Ana Restrepo" written without the middle name leaves two withheld parts; one marker says
    # the same and does not tell how many words the name had.
    return _WITHHELD_RUN.sub(WITHHELD, text)
