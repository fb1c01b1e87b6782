"""Full-text search over cases: narratives, places, plates, vehicle descriptions and tags, as
a police liaison may see them (the reader projection, cases/privacy).

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
from cases.privacy import FieldClass, Projection, field_class, search_projections
from intake.models import Encounter, Report, ReportAddition, ReportMessage

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
    reports: Iterable[tuple[int, str, Encounter | None]] = (),
    projection: Projection,
) -> str:
    """The search text of a case: its title, tags, and for each of its `reports` (id,
    narrative, encounter) the narrative and the encounter's ENCOUNTER_FIELDS, as `projection`
    shows them.

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
    return "\n".join(part for part in parts if part and part.strip())


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
            "report_id", *ENCOUNTER_FIELDS
        )
    }
    # What the person who filed added later, and their answers to our questions, are searched
    # as part of their account (one query for both).
    later: dict[int, list[str]] = {}
    added = (
        ReportAddition.objects.filter(report__case_id__in=ids)
        .order_by()
        .values_list("report_id", "body")
    )
    answered = (
        ReportMessage.objects.filter(
            report__case_id__in=ids, direction=ReportMessage.Direction.FROM_REPORTER
        )
        .order_by()
        .values_list("report_id", "body")
    )
    for report_id, body in added.union(answered, all=True):
        later.setdefault(report_id, []).append(body)
    for pk, case_id, narrative in Report.objects.filter(case_id__in=ids).values_list(
        "pk", "case_id", "narrative"
    ):
        account = "\n".join([narrative, *later.get(pk, [])])
        reports[case_id].append((pk, account, encounters.get(pk)))
    for pk in ids:
        text = search_text_for(
            title=titles.get(pk, ""),
            tags=tags[pk],
            reports=reports[pk],
            projection=projections[pk],
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
