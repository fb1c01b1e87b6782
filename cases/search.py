"""Full-text search over cases: narratives, places, plates, vehicle descriptions and tags, as
a police liaison may see them (the reader projection, cases/privacy).

The searchable text is stored on the case (`Case.search_text`) and refreshed by the services
that change what it is made of, as a blind index (plumbing/keys/blind_index.py): each word is
kept as a keyed hash of it, so the database holds no narrative or name, and a query is hashed
the same way. Queries keep web-search syntax: words must all appear, `"a quoted phrase"` must
appear in that order, `-word` must not appear, and `or` between terms gives either.

On PostgreSQL the tokens are matched against `search_vector`, a stored column the database
generates from the text ('simple' configuration) on every write, with a GIN index (migrations
0004 and 0017); on SQLite each token is found as a substring between spaces.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from cases.models import Case
from cases.privacy import FieldClass, Projection, field_class, search_projections
from intake.models import Encounter, Report, ReportAddition, ReportMessage
from plumbing.keys.blind_index import index_text, tokens
from plumbing.keys.fields import open_value

# The generated column of migration 0017 (to_tsvector('simple', search_text)), GIN-indexed.
_MATCH = "\"cases_case\".\"search_vector\" @@ to_tsquery('simple'::regconfig, %s)"
# A query's terms: an optional "-", then a quoted phrase or a run of other characters.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


# The encounter fields that are searched, in the order they are stored.
ENCOUNTER_FIELDS = ("address", "city", "plates", "vehicle_description")


def search_text_for(
    *,
    title: str,
    tags: Iterable[str] = (),
    reports: Iterable[tuple[int | None, str, Encounter | None]] = (),
    projection: Projection,
) -> str:
    """The search text of a case: its title, tags, and for each of its `reports` (id, None for
    one not written yet, narrative, encounter) the narrative and the encounter's
    ENCOUNTER_FIELDS, as `projection` shows them.

    Every case worker searches the same text, so `projection` is the one police liaisons get
    (`search_projection`): a liaison who may not see who filed must not learn it by searching
    for a name, an address or a phone number and getting the case back. Identities are taken
    out without a marker, so that searching for the marker finds nothing either.
    """
    parts = [title, *tags]
    for report_id, narrative, encounter in reports:
        parts.append(projection.text(narrative, marker=" "))
        if encounter is None:
            continue
        for name in ENCOUNTER_FIELDS:
            raw = getattr(encounter, name)
            if field_class(Encounter, name) is FieldClass.SCRUBBED:
                value = projection.text(raw, marker=" ")
            else:
                value = projection.value(Encounter, name, raw, report_id=report_id)
            if value:
                parts.append(value)
    return index_text("\n".join(part for part in parts if part and part.strip()))


def refresh_search_text(case_ids: Iterable[int]) -> None:
    """Rebuild the stored search text of the given cases (a fixed number of queries to read,
    one per case to write)."""
    ids = list(case_ids)
    projections = search_projections(ids)
    titles = dict(Case.objects.filter(pk__in=ids).values_list("pk", "title"))
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name in Case.tags.through.objects.filter(case_id__in=ids).values_list(
        "case_id", "tag__name"
    ):
        tags[pk].append(name)
    reports: dict[int, list[tuple[int, str, Encounter | None]]] = {pk: [] for pk in ids}
    encounters = {
        encounter.report_id: encounter
        for encounter in Encounter.objects.filter(report__case_id__in=ids).only(
            "report_id", "data_key", *ENCOUNTER_FIELDS
        )
    }
    # What the person who filed added later, and their answers to our questions, are searched
    # as part of their account (one query for both). The texts come sealed: each is opened
    # with its row's key, bound to its own model's field.
    later: dict[int, list[str]] = {}
    added = (
        ReportAddition.objects.filter(report__case_id__in=ids)
        .order_by()
        .annotate(source=Value("addition"))
        .values_list("report_id", "data_key", "body", "source")
    )
    answered = (
        ReportMessage.objects.filter(
            report__case_id__in=ids, direction=ReportMessage.Direction.FROM_REPORTER
        )
        .order_by()
        .annotate(source=Value("message"))
        .values_list("report_id", "data_key", "body", "source")
    )
    for report_id, key, body, source in added.union(answered, all=True):
        model = ReportAddition if source == "addition" else ReportMessage
        later.setdefault(report_id, []).append(open_value(model, "body", key, body))
    for report in Report.objects.filter(case_id__in=ids).only(
        "pk", "case_id", "data_key", "narrative"
    ):
        account = "\n".join([report.narrative, *later.get(report.pk, [])])
        reports[report.case_id].append((report.pk, account, encounters.get(report.pk)))
    for pk in ids:
        text = search_text_for(
            title=titles.get(pk, ""),
            tags=tags[pk],
            reports=reports[pk],
            projection=projections[pk],
        )
        Case.objects.filter(pk=pk).update(search_text=text)


@dataclass(frozen=True)
class Term:
    """One term of a query: the tokens of a word or of a phrase (in order), maybe negated."""

    tokens: tuple[str, ...]
    negated: bool = False


def parse_query(text: str) -> list[list[Term]]:
    """`text` in web-search syntax, as alternatives (joined by `or`) of terms that must all
    hold. Terms that are only stop words or punctuation are left out, as PostgreSQL's
    websearch_to_tsquery leaves them out."""
    alternatives: list[list[Term]] = [[]]
    for match in _TERM.finditer(text):
        negated, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if phrase is None and not negated and word.lower() == "or":
            if alternatives[-1]:
                alternatives.append([])
            continue
        found = tuple(tokens(phrase if phrase is not None else word))
        if found:
            alternatives[-1].append(Term(found, negated))
    return [terms for terms in alternatives if terms]


def _tsquery(alternatives: list[list[Term]]) -> str:
    # Tokens are lowercase base32: nothing in them means anything to to_tsquery.
    def term(one: Term) -> str:
        text = " <-> ".join(one.tokens)
        text = f"({text})" if len(one.tokens) > 1 else text
        return f"!{text}" if one.negated else text

    return " | ".join("(" + " & ".join(term(t) for t in terms) + ")" for terms in alternatives)


def _condition(alternatives: list[list[Term]]) -> Q:
    either = Q()
    for terms in alternatives:
        every = Q()
        for one in terms:
            found = Q(search_text__contains=f" {' '.join(one.tokens)} ")
            every &= ~found if one.negated else found
        either |= every
    return either


def search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    alternatives = parse_query(text.strip())
    if not alternatives:
        return queryset
    if connection.vendor == "postgresql":
        # The query is passed as a parameter, never formatted into the SQL.
        match = RawSQL(_MATCH, [_tsquery(alternatives)], output_field=BooleanField())  # noqa: S611
        return queryset.filter(match)
    return queryset.filter(_condition(alternatives))
