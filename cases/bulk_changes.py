"""Changing several cases at once: the queue's bulk actions. All of them or none."""

from collections.abc import Mapping, Sequence

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from cases.exceptions import CaseError, StaleCaseError
from cases.models import Case
from cases.services import User, assign_case, transition_case
from plumbing.locks import lock_in_id_order


class BulkAction(models.TextChoices):
    ASSIGN = "assign", _("Assign to")
    TRANSITION = "transition", _("Move to status")


@transaction.atomic
def change_cases_in_bulk(
    *,
    cases: Sequence[Case],
    expected_versions: Mapping[int, int | None],
    action: str,
    actor: User,
    reason: str = "",
    assignee: User | None = None,
    to: str = "",
    close_reason: str = "",
) -> list[Case]:
    """Assign every case of `cases` to `assignee` (`BulkAction.ASSIGN`), or move every one to
    status `to` (`BulkAction.TRANSITION`), with the same services, checks and history rows as
    one case at a time, in one transaction: if any case is refused, none changes.

    `expected_versions` holds, by case id, the version of each case the actor saw; a case
    changed since refuses the whole action with StaleCaseError, whose message names it. Any
    other refusal is a CaseError whose message starts with the reference of the case refused.

    The cases are locked first, all in one statement in id order (plumbing/locks.py): each
    change moves the statistics tallies, whose writers take turns to their commit, and locking
    case after case would let this transaction hold that turn while it waits for a case that
    another transaction, waiting for the turn, has locked.
    """
    if action not in BulkAction.values:
        raise ValueError(f"Not a bulk action: {action!r}")
    lock_in_id_order(Case.objects.only("pk"), ids=[case.pk for case in cases])
    changed = []
    for case in cases:
        seen = expected_versions[case.pk]
        try:
            if action == BulkAction.ASSIGN:
                case = assign_case(
                    case=case,
                    assignee=assignee,
                    actor=actor,
                    reason=reason,
                    expected_version=seen,
                )
            else:
                case = transition_case(
                    case=case,
                    to=to,
                    actor=actor,
                    reason=reason,
                    close_reason=close_reason,
                    expected_version=seen,
                )
        except StaleCaseError:
            raise  # Its message names the case already.
        except CaseError as error:
            raise CaseError(error.code, f"{case.reference}: {error.message}") from error
        changed.append(case)
    return changed
