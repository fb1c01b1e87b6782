"""The queue as a CSV file: the rows the reader's queue shows with the same filters, with the
same columns, read through the reader projection.

All matching cases are written, up to EXPORT_LIMIT (10,000): a file for a spreadsheet, not a
copy of the database; past the limit the last line says that the file stops there. The file is
streamed, a chunk of cases at a time, so memory stays flat; each chunk runs the queue's queries
plus the projection's (a fixed number), however many cases it holds.

A cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
return) is written with a leading apostrophe: a title or place typed by the public must never
run as a formula on a staff member's computer.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from cases.people import display_name
from cases.privacy import project_cases
from cases.queue_rows import QueueRow, queue_row
from plumbing.typing import User

EXPORT_LIMIT = 10_000
CHUNK_SIZE = 500
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STOPPED = gettext_lazy("The export stops at %(limit)d cases; narrow the filters to see the rest.")

COLUMNS = (
    gettext_lazy("Case"),
    gettext_lazy("Title"),
    gettext_lazy("Tags"),
    gettext_lazy("Status"),
    gettext_lazy("Priority"),
    gettext_lazy("What happened"),
    gettext_lazy("When"),
    gettext_lazy("Date is approximate"),
    gettext_lazy("Where"),
    gettext_lazy("Agencies"),
    gettext_lazy("Assignee"),
    gettext_lazy("Opened"),
    gettext_lazy("Age in days"),
    gettext_lazy("Due date"),
)


def safe_cell(value: object) -> str:
    """`value` as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def row_cells(row: QueueRow, *, today: date) -> list[str]:
    """One case's cells, in COLUMNS order."""
    case = row.case
    opened = timezone.localtime(case.opened_at).date()
    cells = [
        case.reference,
        case.title,
        ", ".join(tag.name for tag in case.tags.all()),
        case.get_status_display(),
        case.get_priority_display(),
        "; ".join(str(kind.label) for kind in row.kinds),
        _day(row.occurred_at),
        _("Yes") if row.occurred_at_is_approximate else _("No"),
        ", ".join(row.places),
        ", ".join(agency.short_name or agency.name for agency in row.agencies),
        display_name(case.assignee) or _("Unassigned"),
        opened.isoformat(),
        (today - opened).days,
        _day(case.due_date),
    ]
    return [safe_cell(cell) for cell in cells]


class _Echo:
    """A file that hands back what is written to it, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


def _chunks(cases: QuerySet[Case], limit: int) -> Iterator[list[Case]]:
    for start in range(0, limit, CHUNK_SIZE):
        chunk = list(cases[start : min(start + CHUNK_SIZE, limit)])
        if not chunk:
            return
        yield chunk
        if len(chunk) < CHUNK_SIZE:
            return


def export_rows(*, reader: User, cases: QuerySet[Case], limit: int = EXPORT_LIMIT) -> Iterable[str]:
    """The CSV's lines for `reader`: a header, then one line per case of `cases` (the queue's
    queryset, `cases.selectors.case_queue`), at most `limit` of them."""
    writer = csv.writer(_Echo())
    today = timezone.localdate()
    yield writer.writerow([safe_cell(str(column)) for column in COLUMNS])
    written = 0
    for chunk in _chunks(cases, limit + 1):
        projections = project_cases(reader=reader, cases=chunk)
        for case in chunk:
            if written == limit:
                yield writer.writerow([_STOPPED % {"limit": limit}])
                return
            seen = projections[case.pk].record(case)
            yield writer.writerow(row_cells(queue_row(case, seen), today=today))
            written += 1
