"""Leases on documents: who holds an unfinished document, until when, and the heartbeat that
keeps a render's lease while it runs.

Why leases: a worker that dies whole (kill -9, a lost machine) leaves its message unacknowledged
in Redis until the visibility timeout (an hour) and its row `rendering` with nobody on it. A
fixed window after `started_at` cannot tell a dead worker from a slow render, so it had to
outlast the hard time limit (four minutes and more). A lease can tell them apart: the process
rendering a document pushes `lease_expires_at` on every `heartbeat_seconds()` from a thread of
its own, so the lease lapses only when that process stops, `lease_seconds()` after its last
renewal at most, and the sweep (reports.services.sweep_stale_documents, run by beat every
`REPORTS_SWEEP_SECONDS`) hands the row to the broker again. A render that hangs keeps its lease
until the hard time limit kills its process; then the lease lapses like any other.

A claim is fenced by `lease_token`, new for every claim: renewals and the final write match on
it, so a worker whose claim was taken over (it was only slow, or cut off from the database for
longer than the lease) renews nothing and stores nothing. The token also names the claim's PDF
file, so the next claim can delete a file its predecessor wrote but never recorded.

The renewals are bookkeeping, like `enqueued_at`: a plain UPDATE, no history row. Times are
each process's own clock; a lease of 30 seconds tolerates the skew of NTP-kept clocks.
"""

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from reports.models import Document

logger = logging.getLogger(__name__)

# A heartbeat renews this many times per lease, so one late or failed renewal (a busy database,
# a pause of the process) does not lose a lease that the next renewal would have kept.
RENEWALS_PER_LEASE = 3


def lease_seconds() -> float:
    return float(settings.REPORTS_LEASE_SECONDS)


def heartbeat_seconds() -> float:
    return lease_seconds() / RENEWALS_PER_LEASE


def lease_deadline(seconds: float | None = None) -> datetime:
    """When a lease taken now lapses (`seconds` from now; a render's lease by default)."""
    return timezone.now() + timedelta(seconds=lease_seconds() if seconds is None else seconds)


def this_process() -> str:
    """The holder name of this process: its host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_gone(holder: str) -> bool:
    """True only when `holder` is a process of this host that no longer runs (or is a zombie
    its parent has not reaped yet): the prefork pool replaced a killed child and the message
    came back at once (acks late, rejected on a lost worker). Anything else, another host or a
    live process, counts as alive: its lease decides."""
    host, _, pid_text = holder.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a live process of another user
    try:
        # /proc/<pid>/stat: "pid (name) state ..."; the name may hold spaces and parentheses.
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


def attempt_file_name(*, started_at: datetime, token: str) -> str:
    """Where the claim made at `started_at` with `token` stores its PDF (the field's folder,
    the token as the name: random, like every document's file name)."""
    folder = started_at.strftime(str(Document.file.field.upload_to))
    return f"{folder}{token}.pdf"


def renew_lease(*, document_id: int, token: str) -> bool:
    """Push the lease of the claim `token` on by a full lease; False when the claim is no
    longer this one's (taken over, handed back, finished), and then nothing changes."""
    renewed = Document.objects.filter(
        pk=document_id, status=Document.Status.RENDERING, lease_token=token
    ).update(lease_expires_at=lease_deadline())
    return renewed == 1


class Heartbeat:
    """`with Heartbeat(document_id=..., token=...):` renews the lease from a daemon thread every
    `heartbeat_seconds()` until the block ends. The thread uses a database connection of its
    own, opened at its first renewal (so a render shorter than one interval opens none) and
    closed when it stops. It stops on its own once the claim is no longer this one's; a
    database error skips one renewal and tries again at the next."""

    def __init__(self, *, document_id: int, token: str) -> None:
        self.document_id = document_id
        self.token = token
        self.renewals = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"document-{document_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(heartbeat_seconds()):
                try:
                    if not renew_lease(document_id=self.document_id, token=self.token):
                        self.lost = True
                        logger.warning(
                            "Document %s: this render's claim was taken over or handed back; "
                            "its result will not be stored.",
                            self.document_id,
                        )
                        return
                    self.renewals += 1
                except DatabaseError as error:
                    logger.warning(
                        "Document %s: the lease could not be renewed (%s); trying again.",
                        self.document_id,
                        type(error).__name__,
                    )
        finally:
            connections.close_all()
