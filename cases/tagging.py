"""How tag names are written: lower-case slugs ("Media attention" is `media-attention`), so one
tag is never two that differ in spelling. Pure; used by the tagging service, the queue's filter
and the API."""

import re
from collections.abc import Iterable

from django.utils.text import slugify

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_CASE = 20

_SEPARATORS = re.compile(r"[,;\n]+")


def tag_slugs(names: Iterable[str]) -> list[str]:
    """Each name as a tag slug, empty ones dropped, each once, in the order given."""
    slugs = (slugify(name)[:MAX_TAG_LENGTH].strip("-") for name in names)
    return list(dict.fromkeys(slug for slug in slugs if slug))


def split_tag_names(text: str) -> list[str]:
    """Tags typed into one field, separated by commas (or semicolons, or lines), as slugs."""
    return tag_slugs(_SEPARATORS.split(text))
