"""One chronological list of who changed what, when and why on a case: the simple-history rows
of the case, its reports, their evidence files (added, downloaded), the notes the reader may
see, and what the person who filed a report added later, the questions posted to them and
their answers, with each change's before and after.

Runs a fixed number of queries: one per history table (the case's tags have one of their own;
the case's rows bring the assignees they name), plus one to name the cases that changed fields
point to, plus the projection's when the caller has none at hand.

Everything it shows goes through the reader projection (cases/privacy): reasons and free-text
values are scrubbed of the identities the reader may not see, and an evidence file is named
only where the reader may see who filed it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.access import reads_legal_notes
from cases.models import Case, CaseNote
from cases.people import display_name
from cases.privacy import Projection, project_cases
from intake.models import Evidence, Report, ReportAddition, ReportMessage, Witness

User = AbstractBaseUser | AnonymousUser

# The fields a timeline shows for each kind of record, with their labels. Anything not listed
# (secrets, derived search text) never appears. Labels, subjects, actions and the reasons the
# system writes itself are given in the reader's language when the timeline is built; the
# stored history stays as it was written.
CASE_FIELDS: dict[str, Promise] = {
    "title": _("Title"),
    "status": _("Status"),
    "close_reason": _("Close reason"),
    "priority": _("Priority"),
    "priority_override_reason": _("Priority override reason"),
    "assignee_id": _("Assignee"),
    "due_date": _("Due date"),
    "merged_into_id": _("Merged into"),
    # Not a column: the tags each history row recorded, filled in by `case_timeline`.
    "tag_names": _("Tags"),
}
REPORT_FIELDS: dict[str, Promise] = {"case_id": _("Case")}
NOTE_FIELDS: dict[str, Promise] = {"body": _("Note"), "visibility": _("Visibility")}
EVIDENCE_FIELDS: dict[str, Promise] = {"download_count": _("Downloads")}
# What the person who filed added later, and the questions and answers exchanged with them.
ADDITION_FIELDS: dict[str, Promise] = {"kind": _("Kind"), "body": _("Added")}
MESSAGE_FIELDS: dict[str, Promise] = {"body": _("Message")}
WITNESS_FIELDS: dict[str, Promise] = {"statement": _("Statement")}

ACTIONS: dict[str, Promise] = {
    "+": pgettext_lazy("timeline action", "created"),
    "~": pgettext_lazy("timeline action", "changed"),
    "-": pgettext_lazy("timeline action", "deleted"),
}

# The reasons the system writes itself (cases/services.py, intake/services.py,
# intake/follow_up.py), shown in the reader's language; any other reason is a person's words.
SYSTEM_REASONS: dict[str, Promise] = {
    "Unassigned": _("Unassigned"),
    "Note added": _("Note added"),
    "Question to the person who reported": _("Question to the person who reported"),
    "Downloaded": _("Downloaded"),
    "Downloaded the original as received": _("Downloaded the original as received"),
    "submitted via web form": _("submitted via web form"),
    "submitted via API": _("submitted via API"),
    "entered by staff": _("entered by staff"),
    "recorded from a press report": _("recorded from a press report"),
    "added by the person who reported it": _("added by the person who reported it"),
    "answered by the person who reported it": _("answered by the person who reported it"),
}
SYSTEM_REASON_PATTERNS: list[tuple[re.Pattern[str], Promise]] = [
    (re.compile(r"Assigned to (?P<name>\S+)"), _("Assigned to %(name)s")),
    (re.compile(r"Report (?P<code>\S+) added"), _("Report %(code)s added")),
    (re.compile(r"First used on (?P<reference>\S+)"), _("First used on %(reference)s")),
]


def shown_reason(reason: str) -> str:
    """A history reason as the reader reads it: one the system wrote, in their language."""
    if reason in SYSTEM_REASONS:
        return str(SYSTEM_REASONS[reason])
    for pattern, text in SYSTEM_REASON_PATTERNS:
        if match := pattern.fullmatch(reason):
            return str(text) % match.groupdict()
    return reason


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    when: datetime
    actor: str
    subject: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    history_id: int = 0
    # Made by nobody signed in on behalf of a press report: loaded from a press source (the
    # seed articles), not filed by a member of the public.
    by_press: bool = False


# Who made a change that no signed-in user made: the person who filed a report, or, for a
# press report (and the case it opened), the press source it was loaded from.
PUBLIC = _("the public")
PRESS = _("Rights Desk (loaded from a press source)")


def _rows(model: type[Model], *related: str, **filters: Any) -> list[Any]:
    history = model.history.model  # type: ignore[attr-defined]
    return list(
        history.objects.filter(**filters)
        .select_related("history_user", *related)
        .order_by("history_date", "history_id")
    )


def _display(field_name: str, value: Any, users: dict[int, str], refs: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if field_name == "assignee_id":
        return users.get(value, f"user {value}")
    if field_name in ("merged_into_id", "case_id"):
        return refs.get(value, f"case {value}")
    if field_name == "status":
        return str(Case.Status(value).label)
    if field_name == "close_reason":
        return str(Case.CloseReason(value).label)
    if field_name == "priority":
        return str(Case.Priority(value).label)
    if field_name == "visibility":
        return str(CaseNote.Visibility(value).label)
    if field_name == "kind":
        return str(ReportAddition.Kind(value).label)
    return str(value)


def _model_field(name: str) -> str:
    # The timeline's names for fields: `assignee_id` is the `assignee` field, `tag_names` the
    # tags.
    return "tags" if name == "tag_names" else name.removesuffix("_id")


def _entries(
    rows: Sequence[Any],
    fields: dict[str, Promise],
    subject: Any,
    users: dict[int, str],
    refs: dict[int, str],
    projection: Projection,
    from_press: Any = lambda row: False,
) -> list[TimelineEntry]:
    if not rows:
        return []
    model = type(rows[0]).instance_type
    previous: dict[int, Any] = {}
    entries = []
    for row in rows:
        before = previous.get(row.id)
        changes = []
        for name, label in fields.items():
            new = getattr(row, name)
            old = getattr(before, name) if before is not None else None
            # A new record's empty fields and zero counts say nothing.
            if before is None and row.history_type == "+" and new in (None, "", 0):
                continue
            if before is None or old != new:
                report_id = getattr(row, "report_id", None)
                if model is Report:
                    report_id = row.id

                def shown(value: Any, name: str = name, report_id: Any = report_id) -> str:
                    return projection.value(
                        model,
                        _model_field(name),
                        _display(name, value, users, refs),
                        report_id=report_id,
                    )

                changes.append(Change(name, str(label), shown(old), shown(new)))
        previous[row.id] = row
        if row.history_type == "~" and not changes and not row.history_change_reason:
            continue
        by_press = row.history_user is None and from_press(row)
        entries.append(
            TimelineEntry(
                when=row.history_date,
                actor=display_name(row.history_user) or str(PRESS if by_press else PUBLIC),
                by_press=by_press,
                subject=subject(row),
                action=str(ACTIONS.get(row.history_type, row.history_type)),
                reason=shown_reason(projection.reason(row.history_change_reason or "")),
                changes=changes,
                history_id=row.history_id,
            )
        )
    return entries


def case_timeline(
    *,
    user: User,
    case: Case,
    projection: Projection | None = None,
    newest_first: bool = False,
) -> list[TimelineEntry]:
    """Every recorded change to `case`, its reports, their evidence files and the notes `user`
    may read, oldest first (or newest first), as `projection` (by default, `user`'s) shows
    them. People appear by full name, or user name where the account has none."""
    if projection is None:
        projection = project_cases(reader=user, cases=[case])[case.pk]
    # Assignees come with the rows, so naming them costs no query of its own (and the count
    # does not depend on whether the case was ever assigned).
    case_rows = _rows(Case, "assignee", id=case.pk)
    tags_by_row: dict[int, list[str]] = {row.history_id: [] for row in case_rows}
    tag_history = apps.get_model("cases", "HistoricalCase_tags")
    for history_id, name in tag_history.objects.filter(history__id=case.pk).values_list(
        "history_id", "tag__name"
    ):
        tags_by_row.setdefault(history_id, []).append(name)
    for row in case_rows:
        row.tag_names = ", ".join(sorted(tags_by_row[row.history_id]))
    # A subquery in each query below, rather than a query of its own.
    report_ids = Report.objects.filter(case=case).values("pk")
    report_rows = _rows(Report, id__in=report_ids)
    note_filter: dict[str, Any] = {"case_id": case.pk}
    if not reads_legal_notes(user):
        note_filter["visibility"] = CaseNote.Visibility.STAFF
    note_rows = _rows(CaseNote, **note_filter)
    evidence_rows = _rows(Evidence, report_id__in=report_ids)
    addition_rows = _rows(ReportAddition, report_id__in=report_ids)
    message_rows = _rows(ReportMessage, report_id__in=report_ids)
    # The witnesses filed with a report are part of its first history row; those added later
    # are changes of their own.
    witness_rows = _rows(Witness, report_id__in=report_ids, addition__isnull=False)
    codes = {row.id: row.tracking_code for row in report_rows}

    users = {r.assignee_id: display_name(r.assignee) for r in case_rows if r.assignee}
    # Rows nobody signed in made: those of press reports were loaded from a press source, and
    # so was the case if its first report was one.
    press = {row.id for row in report_rows if row.channel == Report.Channel.PRESS}
    opened_by_press = bool(report_rows) and report_rows[0].id in press

    def of_press_report(row: Any) -> bool:
        return getattr(row, "report_id", None) in press

    def press_report(row: Any) -> bool:
        return row.id in press

    def press_case(row: Any) -> bool:
        return opened_by_press

    case_ids = {r.merged_into_id for r in case_rows if r.merged_into_id}
    case_ids |= {r.case_id for r in report_rows}
    refs = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "reference"))

    def evidence_subject(row: Any) -> str:
        # A file's name can identify the person: shown only where the reader may see who.
        name = projection.value(
            Evidence, "original_name", row.original_name, report_id=row.report_id
        )
        if name == row.original_name:
            return _now("Evidence %(name)s") % {"name": name}
        return _now("Evidence file #%(number)s") % {"number": row.id}

    def message_subject(row: Any) -> str:
        code = codes.get(row.report_id, "")
        if row.direction == ReportMessage.Direction.TO_REPORTER:
            return _now("Question to the person who filed report %(code)s") % {"code": code}
        return _now("Answer from the person who filed report %(code)s") % {"code": code}

    entries = [
        *_entries(
            case_rows,
            CASE_FIELDS,
            lambda r: _now("Case %(reference)s") % {"reference": r.reference},
            users,
            refs,
            projection,
            press_case,
        ),
        *_entries(
            report_rows,
            REPORT_FIELDS,
            lambda r: _now("Report %(code)s") % {"code": r.tracking_code},
            users,
            refs,
            projection,
            press_report,
        ),
        *_entries(note_rows, NOTE_FIELDS, lambda r: _now("Note"), users, refs, projection),
        *_entries(
            evidence_rows,
            EVIDENCE_FIELDS,
            evidence_subject,
            users,
            refs,
            projection,
            of_press_report,
        ),
        *_entries(
            addition_rows,
            ADDITION_FIELDS,
            lambda r: _now("Addition to report %(code)s") % {"code": codes.get(r.report_id, "")},
            users,
            refs,
            projection,
        ),
        *_entries(message_rows, MESSAGE_FIELDS, message_subject, users, refs, projection),
        *_entries(
            witness_rows,
            WITNESS_FIELDS,
            lambda r: (
                _now("Witness added to report %(code)s") % {"code": codes.get(r.report_id, "")}
            ),
            users,
            refs,
            projection,
        ),
    ]
    entries.sort(key=lambda e: (e.when, e.history_id), reverse=newest_first)
    return entries
