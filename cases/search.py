"""Full-text search over cases: narratives, places, plates, vehicle descriptions and tags.

The searchable text is stored on the case (`Case.search_text`) and refreshed by the services
that change what it is made of. On PostgreSQL it is matched with `websearch_to_tsquery`
against `search_vector`, a stored column the database generates from it on every write, with
a GIN index (migration 0004); on SQLite every word must appear as a substring, which is
enough for development and tests.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from cases.models import Case
from intake.models import Complainant, Encounter, Report, Witness

# The generated column of migration 0004 (to_tsvector('english', search_text)), GIN-indexed.
_MATCH = (
    "\"cases_case\".\"search_vector\" @@ websearch_to_tsquery('english'::regconfig, %s)"
)


# The encounter fields that are searched, in the order they are stored.
ENCOUNTER_FIELDS = ("address", "city", "plates", "vehicle_description")


def search_text_for(
    *,
    title: str,
    tags: Iterable[str] = (),
    narratives: Iterable[str] = (),
    places: Iterable[str] = (),
    names: Iterable[str] = (),
) -> str:
    """The search text of a case: its title, tags, reports' narratives, and its encounters'
    ENCOUNTER_FIELDS (`places`, empty ones left out).

    The `names` of the people in the reports (and any e-mail or phone number) are taken out of
    the narratives: every case worker searches the same text, and a liaison who may not see
    who filed must not learn it by searching for a name and getting the case back.
    """
    # The project's one redaction rule lives with the exports, which build on this app.
    from reports.redaction import redact_text

    names = [name for name in names if name]
    scrubbed = [redact_text(narrative, names=names) for narrative in narratives]
    return "\n".join([title, *tags, *scrubbed, *(value for value in places if value)])


def _people_names(ids: list[int]) -> dict[int, list[str]]:
    """Names of the complainants (people, not organisations) and witnesses of each case."""
    from reports.redaction import INSTITUTIONAL_ROLES

    names: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name in (
        Complainant.objects.filter(report__case_id__in=ids)
        .exclude(role__in=INSTITUTIONAL_ROLES)
        .exclude(name="")
        .values_list("report__case_id", "name")
    ):
        names[pk].append(name)
    for pk, name in (
        Witness.objects.filter(report__case_id__in=ids)
        .exclude(name="")
        .values_list("report__case_id", "name")
    ):
        names[pk].append(name)
    return names


def refresh_search_text(case_ids: Iterable[int]) -> None:
    """Rebuild the stored search text of the given cases (six queries to read, one per case
    to write)."""
    ids = list(case_ids)
    names = _people_names(ids)
    titles = dict(Case.objects.filter(pk__in=ids).values_list("pk", "title"))
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    narratives: dict[int, list[str]] = {pk: [] for pk in ids}
    places: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name in Case.tags.through.objects.filter(case_id__in=ids).values_list(
        "case_id", "tag__name"
    ):
        tags[pk].append(name)
    for pk, narrative in Report.objects.filter(case_id__in=ids).values_list("case_id", "narrative"):
        narratives[pk].append(narrative)
    for row in Encounter.objects.filter(report__case_id__in=ids).values_list(
        "report__case_id", *ENCOUNTER_FIELDS
    ):
        places[row[0]].extend(row[1:])
    for pk in ids:
        text = search_text_for(
            title=titles.get(pk, ""),
            tags=tags[pk],
            narratives=narratives[pk],
            places=places[pk],
            names=names[pk],
        )
        Case.objects.filter(pk=pk).update(search_text=text)


def search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        # The search text is passed as a query parameter, never formatted into the SQL.
        return queryset.filter(RawSQL(_MATCH, [text], output_field=BooleanField()))  # noqa: S611
    condition = Q()
    for word in text.split():
        condition &= Q(search_text__icontains=word.strip('"'))
    return queryset.filter(condition)
