"""A report being filled in: answers kept server-side in the person's session between steps,
and the evidence they uploaded kept in private storage until they send the report.

Nothing here writes a report; `intake.services.submit_report` does that, once, at the end.
The session holds only the raw answers of steps that passed validation (so every page can be
shown again exactly as it was left, and everything is validated again before submitting),
what was typed on a page the person left without saving it (Back, another language: not an
answer, only shown again on that page until it is saved) and descriptions of pending files;
file bytes never go into the session.

The answers themselves are sealed in the session (plumbing/keys/sealing.py) with a data key of
the draft's own, made with its first answer and destroyed when the draft is sent or cleared: the
session table, like every other, holds nobody's name or account in plain form. A session that
simply expires leaves its key unreferenced, and the daily purge destroys it (reports/retention.py).

Pending files are stored sealed (plumbing/keys/files.py), each with a data key of its own whose
id ends the stored name; the key is destroyed with the file, when the report is sent (its
evidence is then sealed again with the report's key) or when the draft is abandoned.
"""

import io
import json
import logging
import secrets
import uuid
from datetime import timedelta
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from intake.evidence import InspectedFile
from plumbing.keys import store
from plumbing.keys.files import CHUNK_BYTES, OpenedFile, SealingReader
from plumbing.keys.sealing import Unreadable, seal, unseal

logger = logging.getLogger(__name__)

SESSION_KEY = "intake_draft"
SENT_KEY = "intake_sent"
# A folder of the private media storage, which has no URL (MEDIA_URL is None): pending files
# are never reachable from a browser, and live on the storage every web process shares.
PENDING_DIR = "intake-pending"
# Steps that identify the person; dropped as soon as they choose to report anonymously.
IDENTITY_STEPS = ("identity", "contact")
# The place pending files are sealed for (plumbing.keys.files).
SEALED_FOR = b"intake.pending"
# The place a draft's answers are sealed for in the session (plumbing.keys.sealing).
ANSWERS_SEALED_FOR = b"intake.draft"


class Draft:
    """The answers of one person's report in progress, in their session."""

    def __init__(self, session: SessionBase) -> None:
        self._session = session
        self._key: uuid.UUID | None = None
        held = session.get(SESSION_KEY)
        stored = _opened(held)
        if stored is not None:
            self._key = uuid.UUID(hex=cast(dict[str, str], held)["key"])
        elif isinstance(held, dict) and isinstance(held.get("answers"), dict):
            stored = held  # kept in plain form by an older version: sealed at its next save
        else:
            stored = _new_draft()
        self._data: dict[str, Any] = stored

    @property
    def id(self) -> str:
        """A random identifier of this draft, given when its first answer is kept: the key that
        makes sending it idempotent (`submit_report`). Every request that sends the draft reads
        the same id from the session, so two sends at once are one report."""
        if "id" not in self._data:  # a draft kept by an older version
            self._data["id"] = _new_id()
            self._save()
        return str(self._data["id"])

    @property
    def is_empty(self) -> bool:
        return not (
            self._data["answers"] or self._data.get("typed") or self.witnesses or self.evidence
        )

    def answers(self, step: str) -> dict[str, Any] | None:
        return self._data["answers"].get(step)

    def set_answers(self, step: str, values: dict[str, Any]) -> None:
        """Keep a step's answers; what was typed there before is now answered."""
        self._data["answers"][step] = values
        self._data.get("typed", {}).pop(step, None)
        self._save()

    def typed(self, step: str) -> dict[str, Any] | None:
        """What was typed on a step and left unsaved, if anything."""
        return self._data.get("typed", {}).get(step)

    def keep_typed(self, step: str, values: dict[str, Any]) -> None:
        """Keep what is typed on a page the person leaves without saving (Back, another
        language). It is not an answer: nothing checks it or sends it, and the page shows it
        again until the step is saved."""
        self._data.setdefault("typed", {})[step] = values
        self._save()

    def forget_typed(self, step: str) -> None:
        if self._data.get("typed", {}).pop(step, None) is not None:
            self._save()

    @property
    def role(self) -> str:
        return str((self.answers("about") or {}).get("role") or "")

    @property
    def is_anonymous(self) -> bool:
        return (self.answers("about") or {}).get("anonymous") == "yes"

    def forget_identity(self) -> None:
        """Drop every identifying answer, and anything typed on those steps, so an anonymous
        report keeps none even in the session."""
        for step in IDENTITY_STEPS:
            self._data["answers"].pop(step, None)
            self._data.get("typed", {}).pop(step, None)
        self._save()

    @property
    def witnesses(self) -> list[dict[str, Any]]:
        return list(self._data.get("witnesses", []))

    def add_witness(self, values: dict[str, Any]) -> None:
        self._data.setdefault("witnesses", []).append(values)
        self._save()

    def remove_witness(self, index: int) -> None:
        witnesses = self._data.setdefault("witnesses", [])
        if 0 <= index < len(witnesses):
            del witnesses[index]
            self._save()

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return list(self._data.get("evidence", []))

    @property
    def evidence_bytes(self) -> int:
        return sum(int(entry["size"]) for entry in self.evidence)

    def add_evidence(self, entry: dict[str, Any]) -> None:
        self._data.setdefault("evidence", []).append(entry)
        self._save()

    def remove_evidence(self, token: str) -> None:
        """Forget a pending file and delete it. Looked up by its token: a stored file name is
        never taken from the request."""
        kept: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        for entry in self._data.get("evidence", []):
            (dropped if entry["token"] == token else kept).append(entry)
        self._data["evidence"] = kept
        self._save()
        delete_pending(dropped)

    def clear(self) -> None:
        """Forget everything, delete the pending files and destroy the answers' key."""
        delete_pending(self.evidence)
        self._session.pop(SESSION_KEY, None)
        if self._key is not None:
            store.destroy_keys([self._key])
            self._key = None
        self._data = _new_draft()

    def mark_sent(self) -> None:
        """Forget the draft once it is sent, remembering its id, so that the same send arriving
        again (a double click, a resend after a lost answer) shows the same receipt."""
        self._session[SENT_KEY] = self.id
        self.clear()

    def _save(self) -> None:
        if self._key is None:
            self._key = store.create_key()
        self._session[SESSION_KEY] = {
            "key": self._key.hex,
            "sealed": seal(self._key, json.dumps(self._data), context=ANSWERS_SEALED_FOR),
        }
        self._session.modified = True


def opened_draft(session: SessionBase) -> dict[str, Any] | None:
    """What a session's draft holds, opened (for checks and tests); None when it holds none."""
    held = session.get(SESSION_KEY)
    if isinstance(held, dict) and isinstance(held.get("answers"), dict):
        return held
    return _opened(held)


def _opened(stored: Any) -> dict[str, Any] | None:
    """The sealed draft a session holds, opened; None for none, or one that no longer opens
    (its key destroyed)."""
    if not isinstance(stored, dict) or not {"key", "sealed"} <= stored.keys():
        return None
    try:
        data = json.loads(
            unseal(uuid.UUID(hex=stored["key"]), stored["sealed"], context=ANSWERS_SEALED_FOR)
        )
    except (ValueError, store.KeyDestroyed, Unreadable):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return None
    return data


def sent_draft_id(session: SessionBase) -> str:
    """The id of the draft this session sent last, or ""."""
    return str(session.get(SENT_KEY, ""))


def _new_id() -> str:
    return secrets.token_urlsafe(16)


def _new_draft() -> dict[str, Any]:
    return {"id": _new_id(), "answers": {}, "witnesses": [], "evidence": []}


def keep_pending(
    upload: UploadedFile, inspected: InspectedFile, description: str
) -> dict[str, Any]:
    """Store an inspected upload, sealed with a new data key, under a random name until the
    report is sent; return what the session keeps about it."""
    token = secrets.token_hex(16)
    key = store.create_key()
    sealing = SealingReader(upload, key_id=key, context=SEALED_FOR, plain_size=inspected.size)
    name = f"{PENDING_DIR}/{token}.{key.hex}"
    try:
        stored_name = default_storage.save(name, File(cast(IO[bytes], sealing), name=name))
    except BaseException:
        store.destroy_keys([key])
        raise
    return {
        "token": token,
        "stored_name": stored_name,
        "data_key": key.hex,
        "original_name": (upload.name or "upload")[:255],
        "content_type": inspected.content_type,
        "size": inspected.size,
        "sha256": inspected.sha256,
        "description": description,
    }


def pending_exists(entry: dict[str, Any]) -> bool:
    return default_storage.exists(entry["stored_name"])


def open_pending(entry: dict[str, Any]) -> File:
    """Open a pending file for submit_report, under the name the person gave it, as it was
    uploaded (opened from its sealed copy as it is read). Raises FileNotFoundError when it has
    been purged, plumbing.keys.files.Damaged when its stored copy was altered."""
    if not pending_exists(entry):
        raise FileNotFoundError(entry["original_name"])
    stored = default_storage.open(entry["stored_name"], "rb")
    if "data_key" not in entry:  # kept before pending files were sealed
        stored.name = entry["original_name"]
        return stored
    opened = OpenedFile(stored, key_id=uuid.UUID(hex=entry["data_key"]), context=SEALED_FOR)
    pending = File(io.BufferedReader(opened, buffer_size=CHUNK_BYTES), name=entry["original_name"])
    pending.size = int(entry["size"])
    return pending


def delete_pending(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        default_storage.delete(entry["stored_name"])
        if "data_key" in entry:
            store.destroy_keys([uuid.UUID(hex=entry["data_key"])])


def _pending_key(name: str) -> uuid.UUID | None:
    """The id of the data key a pending file's name ends with (None for an older name)."""
    _token, _dot, key = name.rpartition(".")
    try:
        return uuid.UUID(hex=key) if _dot else None
    except ValueError:
        return None


def purge_stale_pending(max_age_seconds: int | None = None) -> int:
    """Delete pending files older than a session can live: their form was abandoned."""
    max_age = max_age_seconds if max_age_seconds is not None else settings.SESSION_COOKIE_AGE
    cutoff = timezone.now() - timedelta(seconds=max_age)
    try:
        _dirs, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    purged = 0
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            key = _pending_key(name)
            if key is not None:
                store.destroy_keys([key])
            purged += 1
    if purged:
        logger.info("Purged %d abandoned evidence uploads.", purged)
    return purged
