"""What cases tell the apps above it (plumbing/events.py)."""

from dataclasses import dataclass

from plumbing.events import Event

# A case's (status, priority); None for a case that is not counted: not yet opened, or merged
# into another.
CaseKey = tuple[str, int]


@dataclass(frozen=True)
class CaseMoved(Event):
    """A case opened, changed status or priority, or was merged away."""

    before: CaseKey | None
    after: CaseKey | None


@dataclass(frozen=True)
class CasesLoadedInBulk(Event):
    """Rows were written in bulk, past the services (cases/synthetic.py): derived data must be
    recounted from the tables."""
