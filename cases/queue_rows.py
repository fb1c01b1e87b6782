"""What one row of the queue shows, gathered from a case's prefetched reports: the same rows on
the page and in its CSV export (cases/queue_export.py). The page's rows (`queue_page_rows`) hold
the texts the page prints, worked out here once rather than cell by cell in the template."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from cases.encounter_codes import agencies_of, kinds_of
from cases.models import Case
from cases.people import display_name
from cases.privacy import Projected
from intake.models import Agency, Encounter, EncounterKind
from intake.staff_labels import agency_short_name, kind_label


@dataclass
class QueueRow:
    # The case itself on the page; in the export, the case as the reader projection shows it.
    case: Case | Projected
    kinds: list[EncounterKind]
    agencies: list[Agency]
    occurred_at: datetime | None
    occurred_at_is_approximate: bool
    places: list[str]


def _encounter(report: Any) -> Any:
    try:
        return report.encounter
    except Encounter.DoesNotExist:
        return None


def queue_row(case: Case, shown: Case | Projected | None = None) -> QueueRow:
    """The row of `case` (loaded by `cases.selectors.case_queue`, so this runs no query), its
    places and dates read from `shown`, the case as the reader projection shows it (the export),
    or from the case itself (the page)."""
    seen = case if shown is None else shown
    places: list[str] = []
    first: Any = None
    for report in seen.reports.all() if isinstance(seen, Case) else seen.reports:
        encounter = _encounter(report)
        if encounter is None:
            continue
        if encounter.city and encounter.city not in places:
            places.append(encounter.city)
        if encounter.occurred_at and (
            first is None or first.occurred_at is None or encounter.occurred_at < first.occurred_at
        ):
            first = encounter
    return QueueRow(
        case=seen,
        kinds=sorted(kinds_of(case), key=lambda kind: (-kind.severity, kind.sort_order)),
        agencies=sorted(agencies_of(case), key=lambda agency: agency.name),
        occurred_at=first.occurred_at if first else None,
        occurred_at_is_approximate=bool(first and first.occurred_at_is_approximate),
        places=places,
    )


@dataclass
class QueuePageRow:
    """A row of the queue page, each value as the page prints it: the template only places them,
    which keeps 25 rows cheap to render (no URL reversal, filter or translation per cell)."""

    reference: str
    version: int
    title: str
    url: str
    select_label: str
    # (name, link): the queue with the same filters, on this tag, from the first page.
    tags: list[tuple[str, str]]
    status: str
    status_label: str
    priority: int
    priority_label: str
    kinds: list[str]
    when: str
    places: str
    agencies: str
    assignee: str
    age: str


# A reference (RD-<year>-<number>) is carried in a URL as it is written, so every case's address
# is the same text around it: one reverse() a page.
_SLOT = "RD-0-0"


def _tag_link(params: QueryDict, name: str) -> str:
    """What `{% querystring tag=name page=None %}` gives, on a copy of the query without its
    page."""
    params["tag"] = name
    return f"?{params.urlencode()}"


def queue_page_rows(cases: Iterable[Case], *, query: QueryDict) -> list[QueuePageRow]:
    """The page's rows of `cases` (loaded by `cases.selectors.case_queue`, so this runs no
    query) in the active language; `query` is the page's own (request.GET), which the tags'
    links keep. What the rows share (labels, the address around a reference, the query) is
    worked out once a page."""
    before, after = reverse("cases:case", args=[_SLOT]).split(_SLOT)
    statuses = {value: str(label) for value, label in Case.Status.choices}
    priorities = {value: str(label) for value, label in Case.Priority.choices}
    select, about = _("Select %(reference)s"), _("about")
    date_unknown, place_unknown = _("Date unknown"), _("Place unknown")
    params = query.copy()
    params.pop("page", None)
    rows = []
    for case in cases:
        row = queue_row(case)
        if row.occurred_at is None:
            when = date_unknown
        else:
            when = formats.date_format(timezone.localtime(row.occurred_at), "SHORT_DATE_FORMAT")
            if row.occurred_at_is_approximate:
                when = f"{about} {when}"
        rows.append(
            QueuePageRow(
                reference=case.reference,
                version=case.version,
                title=case.title,
                url=f"{before}{case.reference}{after}",
                select_label=select % {"reference": case.reference},
                tags=[(tag.name, _tag_link(params, tag.name)) for tag in case.tags.all()],
                status=case.status,
                status_label=statuses.get(case.status, case.status),
                priority=case.priority,
                priority_label=priorities.get(case.priority, str(case.priority)),
                kinds=[kind_label(kind) for kind in row.kinds],
                when=when,
                places=", ".join(row.places) or place_unknown,
                agencies=", ".join(agency_short_name(agency) for agency in row.agencies) or "—",
                assignee=display_name(case.assignee),
                # How long ago, in its largest unit only ("3 days").
                age=timesince(case.opened_at, depth=1),
            )
        )
    return rows
