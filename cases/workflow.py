"""The case workflow as data, and the one pure function that reads it.

new → triaged → investigating → referred → resolved → closed
new/triaged → closed      (duplicate, spam, out of scope, withdrawn: a reason is required)
referred → investigating
closed/resolved → triaged (reopen: a reason is required)
any → closed              (duplicate: only by a merge, which moves the case's reports away first)
"""

from dataclasses import dataclass

from cases.exceptions import CaseError, ErrorCode
from cases.models import Case
from cases.roles import Role

S = Case.Status
CASE_WORKERS = frozenset({Role.LIAISON, Role.LEGAL})


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[Role] = CASE_WORKERS
    reason_required: bool = False
    # For transitions into `closed`: the close reasons a person may pick.
    close_reasons: frozenset[str] = frozenset()


_EARLY_CLOSE = frozenset(
    {
        Case.CloseReason.DUPLICATE,
        Case.CloseReason.SPAM,
        Case.CloseReason.OUT_OF_SCOPE,
        Case.CloseReason.WITHDRAWN,
    }
)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.target): t
    for t in [
        Transition(S.NEW, S.TRIAGED),
        Transition(S.TRIAGED, S.INVESTIGATING),
        Transition(S.INVESTIGATING, S.REFERRED),
        Transition(S.REFERRED, S.RESOLVED),
        Transition(S.RESOLVED, S.CLOSED, close_reasons=frozenset({Case.CloseReason.RESOLVED})),
        Transition(S.NEW, S.CLOSED, reason_required=True, close_reasons=_EARLY_CLOSE),
        Transition(S.TRIAGED, S.CLOSED, reason_required=True, close_reasons=_EARLY_CLOSE),
        Transition(S.REFERRED, S.INVESTIGATING),
        Transition(S.CLOSED, S.TRIAGED, reason_required=True),
        Transition(S.RESOLVED, S.TRIAGED, reason_required=True),
    ]
}


# What a merge does to each duplicate (cases.services.merge_cases): closes it as a duplicate,
# from whatever status it is in, once its reports have moved to the case that survives, where
# the work on them goes on. Apart from TRANSITIONS, which lists what a person may choose for a
# case: closing a case under investigation by hand would close the work on its reports too.
MERGE_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (source, S.CLOSED): Transition(
        source,
        S.CLOSED,
        reason_required=True,
        close_reasons=frozenset({Case.CloseReason.DUPLICATE}),
    )
    for source in S.values
}


def allowed_targets(source: str, role: Role | None) -> list[str]:
    """The statuses `role` may move a case in `source` to, in workflow order."""
    order = list(S.values)
    targets = [t.target for t in TRANSITIONS.values() if t.source == source and role in t.roles]
    return sorted(targets, key=order.index)


def check_transition(
    *,
    source: str,
    target: str,
    role: Role | None,
    reason: str,
    close_reason: str,
    merge: bool = False,
) -> str:
    """Return the close reason the case will carry (empty unless the move closes it) if the
    workflow allows the move as asked; otherwise raise CaseError saying why. `merge` asks about
    the move a merge makes of a duplicate (MERGE_TRANSITIONS) rather than a person's."""
    transition = (MERGE_TRANSITIONS if merge else TRANSITIONS).get((source, target))
    if transition is None:
        raise CaseError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"A case cannot move from {S(source).label} to {S(target).label}.",
        )
    if role not in transition.roles:
        raise CaseError(
            ErrorCode.ROLE_NOT_PERMITTED,
            f"Your role may not move a case from {S(source).label} to {S(target).label}.",
        )
    if transition.reason_required and not reason.strip():
        raise CaseError(
            ErrorCode.REASON_REQUIRED,
            f"Moving a case from {S(source).label} to {S(target).label} needs a reason.",
        )
    if transition.close_reasons:
        if len(transition.close_reasons) == 1 and not close_reason:
            close_reason = next(iter(transition.close_reasons))
        if close_reason not in transition.close_reasons:
            labels = (str(Case.CloseReason(c).label) for c in transition.close_reasons)
            choices = ", ".join(sorted(labels))
            raise CaseError(
                ErrorCode.INVALID_CLOSE_REASON, f"Choose why the case is closed: {choices}."
            )
        return close_reason
    if close_reason:
        raise CaseError(
            ErrorCode.INVALID_CLOSE_REASON, "A close reason only applies when closing a case."
        )
    return ""
