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
from intake.models import Encounter, Report

# The generated column of migration 0004 (to_tsvector('english', search_text)), GIN-indexed.
_MATCH = (
    "\"cases_case\".\"search_vector\" @@ websearch_to_tsquery('english'::regconfig, %s)"
)


def refresh_search_text(case_ids: Iterable[int]) -> None:
    """Rebuild the stored search text of the given cases (one query to read, one per case to
    write)."""
    ids = list(case_ids)
    parts: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, title in Case.objects.filter(pk__in=ids).values_list("pk", "title"):
        parts[pk].append(title)
    for pk, name in Case.tags.through.objects.filter(case_id__in=ids).values_list(
        "case_id", "tag__name"
    ):
        parts[pk].append(name)
    for pk, narrative in Report.objects.filter(case_id__in=ids).values_list("case_id", "narrative"):
        parts[pk].append(narrative)
    for row in Encounter.objects.filter(report__case_id__in=ids).values_list(
        "report__case_id", "address", "city", "plates", "vehicle_description"
    ):
        parts[row[0]].extend(value for value in row[1:] if value)
    for pk, texts in parts.items():
        Case.objects.filter(pk=pk).update(search_text="\n".join(texts))


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
