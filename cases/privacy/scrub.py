"""Scrubbing free text: the one function that takes known names, contacts and places out of
text people (the public, press sources, staff) wrote.

Which text is scrubbed, for whom, with which identities, is decided by the reader projection
(cases/privacy/projection.py); this module only knows how.
"""

import re
from collections.abc import Iterable

WITHHELD = "[withheld]"

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


class Scrubber:
    """Takes a fixed set of names and phrases out of text; the pattern is compiled once, so one
    scrubber serves every field of a case.

    `names` are people's names: each full name and each part of three letters or more is
    removed wherever it stands as a word, in any letter case ("Ana's" keeps only the "'s").
    `phrases` (addresses, contacts in free form, file names) are removed only whole. E-mail
    addresses and phone numbers are removed whether or not they are known.

    Over-removal is accepted: a witness called "Rose" also takes the flower out of a narrative.
    """

    def __init__(self, *, names: Iterable[str] = (), phrases: Iterable[str] = ()) -> None:
        terms = _terms(names, phrases)
        self._pattern = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(_phrase_pattern(term) for term in terms) + r")(?!\w)",
                re.IGNORECASE,
            )
            if terms
            else None
        )

    def __call__(self, text: str, *, marker: str = WITHHELD) -> str:
        """`text` with every identity replaced by `marker` (the search text passes a blank,
        so that the marker itself is never a word anyone can search for)."""
        if not text:
            return text
        text = EMAIL.sub(WITHHELD, text)
        if self._pattern is not None:
            text = self._pattern.sub(WITHHELD, text)
        text = PHONE.sub(_phone, text)
        # "Ana Restrepo" written without the middle name leaves two withheld parts; one marker
        # says the same and does not tell how many words the name had.
        text = _WITHHELD_RUN.sub(WITHHELD, text)
        return text if marker == WITHHELD else text.replace(WITHHELD, marker)


def redact_text(text: str, *, names: Iterable[str], phrases: Iterable[str] = ()) -> str:
    """`text` with every known name, contact and address replaced by WITHHELD (see Scrubber)."""
    return Scrubber(names=names, phrases=phrases)(text)
