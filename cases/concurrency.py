"""Optimistic concurrency for cases: a change states the version of the case its author saw, and
is refused when the case has changed since.

Two people work on the same queue. One closes a case as spam; a minute later the other, whose
page still shows it as new, triages it with a reason, and the case is open again without either
of them having decided that. Locking the row does not prevent this (the second change comes
after the first has committed); comparing what the author saw with what is saved does.

`Case.version` counts the changes saved through `cases.services` (each `_save` adds one). Every
service that changes a case takes `expected_version` and, on the row it has locked in its own
transaction, calls `require_version` before it changes anything, so two changes made on the
same view cannot both pass. `None` states no view: only code acting on its own (a report added
to a case, a script, a test) passes it; the pages and the API always send a version.

A refusal says what changed since, who changed it and when, and what the case is now, read from
the case's history rows (which keep the version). It names only what every case worker sees
(statuses, close reasons, priorities, assignees, due dates, tags, references): never a reason
or other free text, which the reader projection may have to scrub for the reader.
"""

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from django.apps import apps
from django.utils import formats, timezone

from cases.exceptions import StaleCaseError
from cases.models import Case

# A refusal lists at most this many changes (the most recent), then counts the rest.
MAX_CHANGES_NAMED = 5


def require_version(case: Case, *, expected_version: int | None) -> None:
    """Refuse with `StaleCaseError` (code `stale_case`) unless `expected_version` is the
    version of `case`, which must be the row locked in the caller's transaction, or None."""
    if expected_version is None or expected_version == case.version:
        return
    raise StaleCaseError(
        stale_message(case, expected_version), case_id=case.pk, current_version=case.version
    )


def stale_message(case: Case, seen: int) -> str:
    """What changed on `case` since version `seen`, by whom and when, and what it is now."""
    changes = _changes_since(case, seen)
    if changes:
        named = changes[-MAX_CHANGES_NAMED:]
        earlier = len(changes) - len(named)
        listed = "; ".join(named)
        if earlier:
            listed = f"{earlier} earlier change{'s' if earlier > 1 else ''}; then {listed}"
        # A time can end with a period of its own ("10:52 a.m."): never two in a row.
        what = f"{case.reference} was changed after you opened it: {listed}".rstrip(".") + "."
    else:
        what = (
            f"{case.reference} is at version {case.version}, not the version {seen} your "
            "change was made on."
        )
    return f"{what} Nothing was changed. It is now {_state(case)}."


# --- Reading the history -----------------------------------------------------------------------


def _history_rows(case: Case, seen: int) -> list[Any]:
    """The history row of the version `seen` (the latest at or before it; None if there is
    none), then every row after it, oldest first. Four queries: the row seen, the rows after,
    the cases they point to, their tags."""
    history = Case.history.model
    rows_of_case = history.objects.filter(id=case.pk).select_related("history_user", "assignee")
    order = ("version", "history_date", "history_id")
    before = rows_of_case.filter(version__lte=seen).order_by(*order).last()
    after = list(rows_of_case.filter(version__gt=seen).order_by(*order))
    rows = [before, *after] if before is not None else after
    tag_history = apps.get_model("cases", "HistoricalCase_tags")
    tags: dict[int, list[str]] = {row.history_id: [] for row in rows}
    for history_id, name in tag_history.objects.filter(
        history_id__in=list(tags)
    ).values_list("history_id", "tag__name"):
        tags[history_id].append(name)
    targets = {row.merged_into_id for row in rows if row.merged_into_id}
    references = dict(Case.objects.filter(pk__in=targets).values_list("pk", "reference"))
    for row in rows:
        row.tag_names = sorted(tags[row.history_id])
        row.merged_into_reference = references.get(row.merged_into_id, "")
    return [before, *after]


def _changes_since(case: Case, seen: int) -> list[str]:
    """One clause per run of changes by the same person in the same minute, oldest first."""
    if seen > case.version:
        return []
    rows = _history_rows(case, seen)
    clauses: list[str] = []
    last_key: tuple[Any, ...] | None = None
    last_row: Any = None
    parts: list[str] = []
    for previous, row in pairwise(rows):
        when = timezone.localtime(row.history_date).replace(second=0, microsecond=0)
        key = (row.history_user_id, when)
        if key != last_key and parts:
            clauses.append(_clause(parts, last_row))
            parts = []
        last_key, last_row = key, row
        for part in _what_changed(previous, row):
            if part not in parts:
                parts.append(part)
    if parts:
        clauses.append(_clause(parts, last_row))
    return clauses


def _clause(parts: Sequence[str], row: Any) -> str:
    if len(parts) > 1 and "updated" in parts:
        parts = [part for part in parts if part != "updated"]
    # No user: a report filed by the public, or Rights Desk itself (a migration, a script).
    who = row.history_user.get_username() if row.history_user else "Rights Desk"
    when = formats.date_format(timezone.localtime(row.history_date), "SHORT_DATETIME_FORMAT")
    return f"{', '.join(parts)} by {who} at {when}"


def _what_changed(before: Any, row: Any) -> list[str]:
    """The changes of one history row against the one before it, in words."""
    parts: list[str] = []
    if before is None:
        return ["updated"]
    if row.merged_into_id != before.merged_into_id and row.merged_into_id:
        parts.append(f"merged into {row.merged_into_reference}")
    elif row.status != before.status or row.close_reason != before.close_reason:
        if row.status == Case.Status.CLOSED:
            parts.append(f"closed as {Case.CloseReason(row.close_reason).label}")
        else:
            parts.append(f"moved to {Case.Status(row.status).label}")
    if row.assignee_id != before.assignee_id:
        parts.append(
            f"assigned to {row.assignee.get_username()}" if row.assignee else "unassigned"
        )
    if row.priority != before.priority:
        parts.append(f"priority set to {Case.Priority(row.priority).label}")
    if row.due_date != before.due_date:
        parts.append(
            f"due date set to {row.due_date:%Y-%m-%d}" if row.due_date else "due date removed"
        )
    if row.tag_names != before.tag_names:
        parts.append(
            f"tags set to {', '.join(row.tag_names)}" if row.tag_names else "tags removed"
        )
    return parts or ["updated"]


def _state(case: Case) -> str:
    """The case as it is now, in the words of `_what_changed`."""
    if case.merged_into_id is not None:
        survivor = Case.objects.only("reference").get(pk=case.merged_into_id)
        return f"merged into {survivor.reference}; work on that case instead"
    status = str(Case.Status(case.status).label)
    if case.close_reason:
        status += f" ({Case.CloseReason(case.close_reason).label})"
    assignee = case.assignee.get_username() if case.assignee_id else None  # type: ignore[union-attr]
    parts = [
        status,
        f"priority {Case.Priority(case.priority).label}",
        f"assigned to {assignee}" if assignee else "unassigned",
    ]
    if case.due_date:
        parts.append(f"due {case.due_date:%Y-%m-%d}")
    return ", ".join(parts)
