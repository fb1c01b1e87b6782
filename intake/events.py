"""What intake tells the apps above it (plumbing/events.py)."""

from dataclasses import dataclass
from datetime import datetime

from plumbing.events import Event


@dataclass(frozen=True)
class ReportFiled(Event):
    """A new report, by the codes the statistics count it under."""

    occurred_at: datetime | None
    city: str
    kinds: tuple[str, ...]
    agencies: tuple[str, ...]
    bases: tuple[str, ...]
