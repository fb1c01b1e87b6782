"""The only ways a case changes. Each function is atomic, records the actor and the reason in
the case's history, and raises CaseError with a stable code when the change is not allowed."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow
from cases.access import (
    can_be_asked,
    can_download_evidence,
    can_download_original_evidence,
    may_be_assigned,
    require_permission,
)
from cases.concurrency import require_version
from cases.encounter_codes import refresh_encounter_codes
from cases.events import CaseMoved
from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, CaseNote, Tag
from cases.priority import compute_priority
from cases.references import next_reference
from cases.roles import role_of
from cases.search import refresh_search_text
from cases.tagging import MAX_TAGS_PER_CASE, tag_slugs
from cases.tasks import notify_assignee
from intake.contact import announce_question
from intake.models import EncounterKind, Evidence, Report, ReportMessage
from plumbing import events
from plumbing.locks import lock_in_id_order
from plumbing.outbox.services import publish

# A signed-in account: views reach these services only behind a login, but `request.user` is
# typed as "account or AnonymousUser", so the services take the account as Any.
User = Any


def _save(
    instance: Case | CaseNote | Evidence | Report | ReportMessage | Tag,
    *,
    actor: User | None,
    reason: str,
    update_fields: Sequence[str] | None = None,
) -> None:
    """Save with the history row's user and reason set: every write below goes through here.

    A case's version goes up by one with every save after the first (cases/concurrency.py); the
    callers hold the case's row lock, so counting in Python cannot lose a change."""
    instance._history_user = actor  # type: ignore[union-attr]
    instance._change_reason = reason  # type: ignore[union-attr]
    if isinstance(instance, Case) and not instance._state.adding:
        instance.version += 1
    if update_fields is not None:
        instance.save(
            update_fields=[*update_fields, "updated_at", "version"]
            if isinstance(instance, Case)
            else list(update_fields)
        )
    else:
        instance.save()


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _move(case: Case, *, to: str, close_reason: str) -> None:
    """Set a move the workflow allowed (`workflow.check_transition` gave `close_reason`): the
    one place a service writes a case's status. The caller saves it."""
    case.status = to
    case.status_changed_at = timezone.now()
    case.close_reason = close_reason


def _refuse_if_merged(case: Case) -> None:
    if case.merged_into_id is not None:
        raise CaseError(
            ErrorCode.CASE_MERGED,
            _("%(reference)s was merged into another case; work on that case instead.")
            % {"reference": case.reference},
        )


# No savepoint inside the caller's transaction: submit_report, its one caller, lets any error
# end that transaction, so a savepoint would only cost two more round trips per report.
@transaction.atomic(savepoint=False)
def open_case(
    *,
    title: str,
    priority: int,
    actor: User | None,
    reason: str,
    data_key: uuid.UUID | None = None,
    search_text: str = "",
    kind_codes: str = "",
    agency_codes: str = "",
) -> Case:
    """Open a new case. Called by `submit_report`, which then adds the first report, and which
    may give the case's data key (made with the report's); without one, the case makes its own
    (plumbing/keys/fields.py). It gives the search text and codes of that first report too
    (cases/search.py, cases/encounter_codes.py), so the row is written once, complete."""
    case = Case(
        data_key=data_key,
        # From a sequence on PostgreSQL: no lock that other intakes wait for (cases/references.py).
        reference=next_reference(timezone.now().year),
        title=title[:200],
        priority=priority,
        computed_priority=priority,
        search_text=search_text,
        kind_codes=kind_codes,
        agency_codes=agency_codes,
    )
    _save(case, actor=actor, reason=reason)
    # Counted now: the caller (submit_report) adds the case's first report in this transaction.
    events.publish(CaseMoved(before=None, after=(case.status, case.priority)))
    return case


def refresh_priority(*, case: Case, actor: User | None, reason: str) -> Case:
    """Recompute the priority from the worst encounter kind in all the case's reports.

    An overridden priority stays as it is; only the computed value beside it moves. `case`
    must be locked (or new) in the caller's transaction."""
    worst = EncounterKind.objects.filter(encounters__report__case=case).aggregate(
        worst=Max("severity")
    )["worst"]
    computed = compute_priority([] if worst is None else [worst])
    if computed == case.computed_priority and (
        case.priority_override_reason or case.priority == computed
    ):
        return case
    before = case.priority
    case.computed_priority = computed
    if not case.priority_override_reason:
        case.priority = computed
    _save(case, actor=actor, reason=reason, update_fields=["computed_priority", "priority"])
    if case.merged_into_id is None:
        events.publish(CaseMoved(before=(case.status, before), after=(case.status, case.priority)))
    return case


@transaction.atomic
def transition_case(
    *,
    case: Case,
    to: str,
    actor: User,
    reason: str = "",
    close_reason: str = "",
    expected_version: int | None,
) -> Case:
    """Move `case` to status `to` if the workflow and the actor's role allow it, and the case
    is still at `expected_version`, the version the actor saw (cases/concurrency.py).

    Raises CaseError (stale_case, transition_not_allowed, role_not_permitted, reason_required,
    invalid_close_reason, case_merged). The reason is stored on the history row.
    """
    case = _locked(case)
    require_version(case, expected_version=expected_version)
    _refuse_if_merged(case)
    source = case.status
    if to not in Case.Status.values:
        raise CaseError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            _("“%(status)s” is not a case status.") % {"status": to},
        )
    close_reason = workflow.check_transition(
        source=source, target=to, role=role_of(actor), reason=reason, close_reason=close_reason
    )
    _move(case, to=to, close_reason=close_reason)
    default = f"Status: {Case.Status(source).label} → {Case.Status(to).label}"
    _save(
        case,
        actor=actor,
        reason=reason.strip() or default,
        update_fields=["status", "status_changed_at", "close_reason"],
    )
    events.publish(CaseMoved(before=(source, case.priority), after=(to, case.priority)))
    return case


@transaction.atomic
def assign_case(
    *,
    case: Case,
    assignee: User | None,
    actor: User,
    reason: str = "",
    expected_version: int | None,
) -> Case:
    """Assign `case` to `assignee` (or unassign it with None). The assignee must be able to
    work on cases, and is told by e-mail once the change is committed, unless they assigned it
    to themselves or already had it. Refused (stale_case) unless the case is still at
    `expected_version`."""
    require_permission(actor, "cases.assign_case", "assign cases")
    case = _locked(case)
    require_version(case, expected_version=expected_version)
    _refuse_if_merged(case)
    if assignee is not None and not may_be_assigned(assignee):
        raise CaseError(
            ErrorCode.INVALID_ASSIGNEE, _("Cases can only be assigned to case workers.")
        )
    previous = case.assignee_id
    case.assignee = assignee
    default = f"Assigned to {assignee.get_username()}" if assignee else "Unassigned"
    _save(case, actor=actor, reason=reason.strip() or default, update_fields=["assignee"])
    if assignee is not None and assignee.pk not in (previous, actor.pk):
        # Through the outbox: a rolled-back assignment (a refused bulk action) sends nothing,
        # and a broker that is down delays the e-mail without failing the assignment.
        publish(notify_assignee, case.pk, assignee.pk, actor.pk)
    return case


@transaction.atomic
def override_priority(
    *, case: Case, priority: int, actor: User, reason: str, expected_version: int | None
) -> Case:
    """Set the priority by hand, with a reason. Setting it back to the computed value clears the
    override. Refused (stale_case) unless the case is still at `expected_version`."""
    require_permission(actor, "cases.transition_case", "change a case's priority")
    case = _locked(case)
    require_version(case, expected_version=expected_version)
    _refuse_if_merged(case)
    priority = Case.Priority(priority)
    if not reason.strip():
        raise CaseError(ErrorCode.REASON_REQUIRED, _("Changing the priority needs a reason."))
    before = case.priority
    case.priority = priority
    case.priority_override_reason = "" if priority == case.computed_priority else reason.strip()
    _save(
        case,
        actor=actor,
        reason=reason.strip(),
        update_fields=["priority", "priority_override_reason"],
    )
    events.publish(CaseMoved(before=(case.status, before), after=(case.status, case.priority)))
    return case


@transaction.atomic
def set_due_date(
    *,
    case: Case,
    due_date: date | None,
    actor: User,
    reason: str = "",
    expected_version: int | None,
) -> Case:
    """Set or remove the due date. Refused (stale_case) unless the case is still at
    `expected_version`."""
    require_permission(actor, "cases.transition_case", "set due dates")
    case = _locked(case)
    require_version(case, expected_version=expected_version)
    _refuse_if_merged(case)
    case.due_date = due_date
    default = f"Due date set to {due_date:%Y-%m-%d}" if due_date else "Due date removed"
    _save(case, actor=actor, reason=reason.strip() or default, update_fields=["due_date"])
    return case


def _tag_named(name: str, *, actor: User, reference: str) -> Tag:
    tag = Tag.objects.filter(name=name).first()
    if tag is not None:
        return tag
    try:
        # In a savepoint: when someone else creates the same tag at the same moment, their row
        # wins and this transaction carries on with it.
        with transaction.atomic():
            tag = Tag(name=name)
            _save(tag, actor=actor, reason=f"First used on {reference}")
    except IntegrityError:
        tag = Tag.objects.get(name=name)
    return tag


@transaction.atomic
def set_tags(
    *,
    case: Case,
    names: Iterable[str],
    actor: User,
    reason: str = "",
    expected_version: int | None,
) -> Case:
    """Make the case's tags exactly `names`, written as slugs ("Media attention" becomes
    `media-attention`), creating tags not used before. One history row on the case holds the
    new set (the case's history tracks its tags) with the reason, or one that lists what was
    added and removed. Setting the tags it already has changes nothing. Refused (stale_case)
    unless the case is still at `expected_version`."""
    require_permission(actor, "cases.transition_case", "tag cases")
    case = _locked(case)
    require_version(case, expected_version=expected_version)
    _refuse_if_merged(case)
    wanted = tag_slugs(names)
    if len(wanted) > MAX_TAGS_PER_CASE:
        raise CaseError(
            ErrorCode.INVALID_TAGS,
            _("A case can have at most %(limit)d tags.") % {"limit": MAX_TAGS_PER_CASE},
        )
    through = Case.tags.through
    current = dict(through.objects.filter(case=case).values_list("tag__name", "tag_id"))
    if set(wanted) == set(current):
        return case
    added = [name for name in wanted if name not in current]
    removed = sorted(set(current) - set(wanted))
    # The links are written directly, without the related manager's signals, so that the save
    # below makes the one history row of this change, with its actor and reason.
    through.objects.filter(case=case, tag_id__in=[current[name] for name in removed]).delete()
    through.objects.bulk_create(
        [
            through(case=case, tag=_tag_named(name, actor=actor, reference=case.reference))
            for name in added
        ]
    )
    default = "; ".join(
        part
        for part in (
            f"Tagged {', '.join(added)}" if added else "",
            f"Untagged {', '.join(removed)}" if removed else "",
        )
        if part
    )
    _save(case, actor=actor, reason=reason.strip() or default, update_fields=[])
    refresh_search_text([case.pk])
    return case


@transaction.atomic
def add_note(*, case: Case, author: User, body: str, visibility: str = "staff") -> CaseNote:
    """Add a note. Legal-only notes need the legal role.

    A note states no version: it adds to the case and overwrites nothing anyone decided, so
    refusing it because the case moved on would only throw away what its author wrote."""
    require_permission(author, "cases.add_casenote", "add notes")
    if visibility not in CaseNote.Visibility.values:
        raise CaseError(
            ErrorCode.INVALID_VISIBILITY,
            _("“%(visibility)s” is not a note visibility.") % {"visibility": visibility},
        )
    if visibility == CaseNote.Visibility.LEGAL:
        require_permission(author, "cases.view_legal_notes", "write legal-only notes")
    if not body.strip():
        raise CaseError(ErrorCode.EMPTY_NOTE, _("A note cannot be empty."))
    note = CaseNote(case=case, author=author, body=body.strip(), visibility=visibility)
    _save(note, actor=author, reason="Note added")
    return note


# Questions are read on a phone: long enough for a careful question, short enough to read.
MAX_QUESTION_LENGTH = 5000


@transaction.atomic
def ask_reporter(*, case: Case, report: Report, author: User, body: str) -> ReportMessage:
    """Post a question to the person who filed `report` (a report of `case`). They read it the
    next time they sign in to their report with its tracking code and secret, and answer it
    there (intake/follow_up.py); the only e-mail is a notice that there is a message, sent where
    they agreed to be contacted and said it is safe (intake/contact.py).

    Only reports the public filed can be asked about: a press report's or a report staff entered
    has nobody who could sign in. Like a note, a question states no version of the case."""
    require_permission(author, "cases.ask_reporter", "post questions to the people who reported")
    if report.case_id != case.pk or not can_be_asked(report):
        raise CaseError(
            ErrorCode.REPORTER_UNREACHABLE,
            _("Only the person who filed a report through the public form or API can be asked."),
        )
    body = body.strip()
    if not body:
        raise CaseError(ErrorCode.INVALID_QUESTION, _("A question cannot be empty."))
    if len(body) > MAX_QUESTION_LENGTH:
        raise CaseError(
            ErrorCode.INVALID_QUESTION,
            _("A question can be at most %(limit)d characters.") % {"limit": MAX_QUESTION_LENGTH},
        )
    question = ReportMessage(
        report=report,
        direction=ReportMessage.Direction.TO_REPORTER,
        author=author,
        body=body,
    )
    _save(question, actor=author, reason="Question to the person who reported")
    announce_question(report=report)
    return question


def _final_survivor_id(case_id: int) -> int:
    """The case that `case_id` was merged into, and that one into, until one that was not.

    Merges never make chains (merge_cases moves the cases merged into a duplicate along with
    it), so this is one hop; following on keeps it right for rows written any other way."""
    seen = {case_id}
    current = case_id
    while True:
        target = Case.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if target is None or target in seen:
            return current
        seen.add(target)
        current = target


@transaction.atomic
def merge_cases(
    *,
    survivor: Case,
    duplicates: Sequence[Case],
    actor: User,
    reason: str,
    expected_version: int | None,
) -> Case:
    """Move every report of `duplicates` into `survivor` and close each duplicate as merged.

    `expected_version` is the version of `survivor` the actor saw (cases/concurrency.py). A
    survivor merged into another case resolves to that case, the one its reports are on, which
    is returned. A duplicate already merged is refused (merging the case it went into instead
    would close a case nobody chose). Cases merged into a duplicate earlier move to the
    survivor with it, each with its own history row, so no case ever points at a merged case.

    Each duplicate is closed as a duplicate through the workflow's table of what a merge may
    do (`workflow.MERGE_TRANSITIONS`), checked for every duplicate before anything is written.
    Nothing is deleted: the duplicates keep their own history and point at the survivor.
    """
    require_permission(actor, "cases.merge_case", "merge cases")
    if not reason.strip():
        raise CaseError(ErrorCode.REASON_REQUIRED, _("Merging cases needs a reason."))
    duplicate_ids = list(dict.fromkeys(d.pk for d in duplicates))
    # Every case the merge writes is locked in one statement, in id order (plumbing/locks.py):
    # the survivor as chosen and the one it resolves to, the duplicates, and the cases merged
    # into them. Who those are is read first and checked again under the locks.
    resolved_id = _final_survivor_id(survivor.pk)
    followers = Case.objects.filter(merged_into_id__in=duplicate_ids)
    ids = {survivor.pk, resolved_id, *duplicate_ids, *followers.values_list("pk", flat=True)}
    locked = {c.pk: c for c in lock_in_id_order(Case.objects.all(), ids=ids)}
    chosen = locked[survivor.pk]
    require_version(chosen, expected_version=expected_version)
    survivor = locked.get(chosen.merged_into_id or chosen.pk)  # type: ignore[assignment]
    if survivor is None or survivor.merged_into_id is not None:
        raise CaseError(
            ErrorCode.INVALID_MERGE,
            _(
                "%(reference)s was merged while this merge was prepared. Nothing was changed; "
                "try again."
            )
            % {"reference": chosen.reference},
        )
    role = role_of(actor)
    others = []
    close_reasons: dict[int, str] = {}
    for duplicate in (locked[pk] for pk in duplicate_ids):
        if duplicate.pk == survivor.pk and survivor.pk != chosen.pk:
            raise CaseError(
                ErrorCode.INVALID_MERGE,
                _(
                    "%(reference)s was merged into %(other)s, which therefore cannot be merged "
                    "into it."
                )
                % {"reference": chosen.reference, "other": duplicate.reference},
            )
        if duplicate.pk == survivor.pk:
            continue
        if duplicate.merged_into_id == survivor.pk:
            raise CaseError(
                ErrorCode.INVALID_MERGE,
                _("%(reference)s was already merged into %(other)s.")
                % {"reference": duplicate.reference, "other": survivor.reference},
            )
        if duplicate.merged_into_id is not None:
            target = Case.objects.only("reference").get(pk=duplicate.merged_into_id)
            raise CaseError(
                ErrorCode.CASE_MERGED,
                _(
                    "%(reference)s was already merged into %(other)s. If that case is the same "
                    "incident, merge %(other)s instead."
                )
                % {"reference": duplicate.reference, "other": target.reference},
            )
        close_reasons[duplicate.pk] = workflow.check_transition(
            source=duplicate.status,
            target=Case.Status.CLOSED,
            role=role,
            reason=reason,
            close_reason=Case.CloseReason.DUPLICATE,
            merge=True,
        )
        others.append(duplicate)
    if not others:
        raise CaseError(ErrorCode.INVALID_MERGE, _("Choose at least one other case to merge."))
    # A merge that committed between the first read and the locks can have merged a case into
    # a duplicate; it is locked now, after the others (it is closed and merged: nothing else
    # waits on it while holding a lock of ours).
    moving = lock_in_id_order(
        Case.objects.filter(merged_into_id__in=[duplicate.pk for duplicate in others])
    )
    for duplicate in others:
        events.publish(CaseMoved(before=(duplicate.status, duplicate.priority), after=None))
        for report in duplicate.reports.all():
            report.case = survivor
            _save(
                report,
                actor=actor,
                reason=f"Moved from {duplicate.reference} to {survivor.reference}: {reason}",
                update_fields=["case"],
            )
        _move(duplicate, to=Case.Status.CLOSED, close_reason=close_reasons[duplicate.pk])
        duplicate.merged_into = survivor
        _save(
            duplicate,
            actor=actor,
            reason=f"Merged into {survivor.reference}: {reason}",
            update_fields=["status", "status_changed_at", "close_reason", "merged_into"],
        )
    via = {duplicate.pk: duplicate.reference for duplicate in others}
    for follower in moving:
        former = via[follower.merged_into_id]  # type: ignore[index]
        follower.merged_into = survivor
        _save(
            follower,
            actor=actor,
            reason=f"Merged into {survivor.reference} with {former}, which it was merged "
            f"into: {reason}",
            update_fields=["merged_into"],
        )
    merged = ", ".join(d.reference for d in others)
    _save(survivor, actor=actor, reason=f"Merged in {merged}: {reason}", update_fields=[])
    refresh_search_text([survivor.pk, *(d.pk for d in others)])
    refresh_encounter_codes([survivor.pk, *(d.pk for d in others)])
    return refresh_priority(case=survivor, actor=actor, reason=f"Priority after merging {merged}")


@transaction.atomic
def record_evidence_download(
    *, evidence: Evidence, actor: User, original: bool = False
) -> Evidence:
    """Count one download of `evidence`'s file by `actor`, as a history row naming them.

    `original` is the file as it was received, with its location and camera data; otherwise
    the copy without them (intake/metadata). The history row's reason says which. Called by the
    views that serve the file, before they send it. Refuses (role_not_permitted) anyone
    `cases.access.can_download_evidence` does not allow, and for the original anyone
    `can_download_original_evidence` does not.
    """
    allowed = can_download_original_evidence if original else can_download_evidence
    if not allowed(actor, evidence):
        raise CaseError(ErrorCode.ROLE_NOT_PERMITTED, _("Your role may not download this file."))
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    locked.download_count += 1
    reason = "Downloaded the original as received" if original else "Downloaded"
    _save(locked, actor=actor, reason=reason, update_fields=["download_count"])
    return locked
