"""A case's priority, computed from the worst thing that happened in it."""

from collections.abc import Iterable

from cases.models import Case
from intake.models import EncounterKind

_BY_SEVERITY = {
    EncounterKind.Severity.CRITICAL: Case.Priority.URGENT,
    EncounterKind.Severity.HIGH: Case.Priority.HIGH,
    EncounterKind.Severity.MODERATE: Case.Priority.NORMAL,
    EncounterKind.Severity.LOW: Case.Priority.LOW,
}


def compute_priority(severities: Iterable[int]) -> Case.Priority:
    """Map the highest encounter-kind severity to a priority; with no kinds, normal: an
    unclassified account still needs a person to read it."""
    worst = max(severities, default=None)
    if worst is None:
        return Case.Priority.NORMAL
    return _BY_SEVERITY[EncounterKind.Severity(worst)]
