"""Legal holds: the only way a hold is placed or lifted, and what the pages read about one.

A hold keeps a case from the retention schedule's purge (cases/retention.py,
reports/retention.py) for as long as it is in force. Only legal staff place and lift holds
(`cases.manage_legal_hold`), each time with a reason; the hold's history records who did it,
when and why. The case row is locked first, as the purge locks it before it checks for holds,
so a hold placed while the purge runs either comes first (and the case stays) or finds the
case gone.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import require_permission
from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, LegalHold

PERMISSION = "cases.manage_legal_hold"
MAX_REASON_LENGTH = 2000

# A signed-in account (see cases/services.py).
User = Any


def _reason(reason: str, *, missing: str) -> str:
    text = reason.strip()
    if not text:
        raise CaseError(ErrorCode.REASON_REQUIRED, missing)
    if len(text) > MAX_REASON_LENGTH:
        raise CaseError(
            ErrorCode.REASON_REQUIRED,
            _("The reason is too long: at most %(limit)d characters.")
            % {"limit": MAX_REASON_LENGTH},
        )
    return text


def _locked(case: Case) -> Case:
    """The case's row, locked; a case the purge deleted while this waited for the lock is
    refused in words rather than failing."""
    locked = Case.objects.select_for_update().filter(pk=case.pk).first()
    if locked is None:
        raise CaseError(
            ErrorCode.NOT_HELD,
            _("%(reference)s was purged by the retention schedule.")
            % {"reference": case.reference},
        )
    return locked


def place_legal_hold(*, case: Case, actor: User, reason: str) -> LegalHold:
    """Put `case` under a legal hold: it will not be purged until the hold is lifted.

    Legal staff only (CaseError `role_not_permitted` for anyone else); a reason is required
    (`reason_required`); a case already held is refused (`already_held`)."""
    require_permission(actor, PERMISSION, "place legal holds")
    text = _reason(reason, missing=_("A legal hold needs a reason."))
    with transaction.atomic():
        locked = _locked(case)
        if LegalHold.objects.filter(case=locked, lifted_at__isnull=True).exists():
            raise CaseError(
                ErrorCode.ALREADY_HELD,
                _("%(reference)s is already under a legal hold.") % {"reference": locked.reference},
            )
        hold = LegalHold(case=locked, reason=text, placed_by=actor)
        hold._history_user = actor  # type: ignore[attr-defined]
        hold._change_reason = f"Legal hold placed: {text}"  # type: ignore[attr-defined]
        hold.save()
    return hold


def lift_legal_hold(*, case: Case, actor: User, reason: str) -> LegalHold:
    """Lift the hold in force on `case`: the retention schedule applies to it again.

    Legal staff only (`role_not_permitted`); a reason is required (`reason_required`); a case
    under no hold is refused (`not_held`)."""
    require_permission(actor, PERMISSION, "lift legal holds")
    text = _reason(reason, missing=_("Lifting a legal hold needs a reason."))
    with transaction.atomic():
        locked = _locked(case)
        hold = (
            LegalHold.objects.select_for_update()
            .filter(case=locked, lifted_at__isnull=True)
            .first()
        )
        if hold is None:
            raise CaseError(
                ErrorCode.NOT_HELD,
                _("%(reference)s is not under a legal hold.") % {"reference": locked.reference},
            )
        hold.lifted_at = timezone.now()
        hold.lifted_by = actor
        hold.lift_reason = text
        hold._history_user = actor  # type: ignore[attr-defined]
        hold._change_reason = f"Legal hold lifted: {text}"  # type: ignore[attr-defined]
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return hold


def hold_in_force(case: Case) -> LegalHold | None:
    """The hold in force on `case` itself, with who placed it; None when there is none."""
    return (
        LegalHold.objects.select_related("placed_by")
        .filter(case=case, lifted_at__isnull=True)
        .first()
    )
