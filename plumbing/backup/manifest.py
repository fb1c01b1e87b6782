"""A backup's manifest (`manifest.json`): when it was taken, the database's migration state, and
the SHA-256 and size of every file in the backup folder, the dump included.

A manifest read back is hostile input until proven otherwise: someone may have edited the
folder. Every path must name a file inside the folder (relative, normalised, no `..`), the dump
must be the one its database kind writes, and every sum must be 64 hex digits. The manifest
itself is not in its own list; its SHA-256, printed by `backup`, can be kept apart from the
backup and given to `restore --manifest-sha256`.
"""

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name

from plumbing.backup.database import DUMP_FILES
from plumbing.backup.errors import BackupError

FORMAT = 1
MANIFEST_FILE = "manifest.json"
# Stored files go under this folder of the backup, by their name in the storage.
MEDIA_FOLDER = "media"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK_BYTES = 1024 * 1024


@dataclass
class Manifest:
    taken_at: str
    vendor: str
    migrations: list[list[str]]
    # Path in the folder -> {"sha256": ..., "size": ...}.
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Stored files that were missing or did not match their recorded SHA-256 when the backup
    # was taken: {"file": "intake.evidence 12", "finding": "mismatch"}.
    problems: list[dict[str, str]] = field(default_factory=list)
    format: int = FORMAT

    @property
    def database_file(self) -> str:
        return DUMP_FILES[self.vendor]

    def media_names(self) -> list[str]:
        """The storage names of the stored files in the backup."""
        prefix = f"{MEDIA_FOLDER}/"
        return sorted(path[len(prefix) :] for path in self.files if path.startswith(prefix))

    def write(self, folder: Path) -> str:
        """Write the manifest last, all at once (a folder without one is an unfinished backup);
        return its SHA-256."""
        data = json.dumps(asdict(self), indent=1, sort_keys=True).encode() + b"\n"
        partial = folder / f"{MANIFEST_FILE}.partial"
        partial.write_bytes(data)
        os.replace(partial, folder / MANIFEST_FILE)
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def read(cls, folder: Path, *, expected_sha256: str | None = None) -> "Manifest":
        path = folder / MANIFEST_FILE
        if not path.is_file():
            raise BackupError(f"{folder} has no {MANIFEST_FILE}: it is not a finished backup.")
        data = path.read_bytes()
        if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256.lower():
            raise BackupError(f"{MANIFEST_FILE} does not have the SHA-256 you gave.")
        try:
            raw = json.loads(data)
        except ValueError as error:
            raise BackupError(f"{MANIFEST_FILE} is not valid JSON.") from error
        return cls._parse(raw)

    @classmethod
    def _parse(cls, raw: Any) -> "Manifest":
        def refuse(why: str) -> BackupError:
            return BackupError(f"{MANIFEST_FILE} is not a manifest this version reads: {why}.")

        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise refuse(f"its format is not {FORMAT}")
        vendor, taken_at = raw.get("vendor"), raw.get("taken_at")
        if vendor not in DUMP_FILES or not isinstance(taken_at, str):
            raise refuse("no database kind or time")
        migrations = raw.get("migrations")
        if not isinstance(migrations, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
            for pair in migrations
        ):
            raise refuse("the migrations are not [app, name] pairs")
        files = raw.get("files")
        if not isinstance(files, dict):
            raise refuse("no file list")
        for path, entry in files.items():
            check_path(path, vendor=vendor)
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("sha256"), str)
                and _HEX64.fullmatch(entry["sha256"])
                and isinstance(entry.get("size"), int)
                and entry["size"] >= 0
            ):
                raise refuse(f"{path!r} has no valid SHA-256 and size")
        if DUMP_FILES[vendor] not in files:
            raise refuse("the database dump is not listed")
        problems = raw.get("problems", [])
        if not isinstance(problems, list) or not all(
            isinstance(p, dict) and all(isinstance(v, str) for v in p.values()) for p in problems
        ):
            raise refuse("the problems are not a list of findings")
        return cls(
            taken_at=taken_at, vendor=vendor, migrations=migrations, files=files,
            problems=problems,
        )


def check_path(path: Any, *, vendor: str) -> None:
    """Refuse a path that is not the dump or a normalised relative path under media/."""
    if not isinstance(path, str) or "\\" in path or any(ord(c) < 32 for c in path):
        raise BackupError(f"{MANIFEST_FILE} names an unusable path: {path!r}.")
    if path == DUMP_FILES[vendor]:
        return
    pure = PurePosixPath(path)
    normalised = str(pure) == path and not pure.is_absolute() and ".." not in pure.parts
    if not normalised or len(pure.parts) < 2 or pure.parts[0] != MEDIA_FOLDER:
        raise BackupError(f"{MANIFEST_FILE} names a path outside the backup: {path!r}.")
    try:
        validate_file_name(path[len(MEDIA_FOLDER) + 1 :], allow_relative_path=True)
    except SuspiciousFileOperation as error:
        raise BackupError(f"{MANIFEST_FILE} names an unusable path: {path!r}.") from error


def hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as opened:
        while chunk := opened.read(_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def entry_for(path: Path) -> dict[str, Any]:
    digest, size = hash_file(path)
    return {"sha256": digest, "size": size}


def failed_files(folder: Path, manifest: Manifest) -> list[str]:
    """Every file of the manifest that is missing from `folder`, is not a regular file inside
    it, or does not hash to its listed SHA-256 and size: "path: why" lines, empty when all are
    sound."""
    root = folder.resolve()
    failures = []
    for path, entry in sorted(manifest.files.items()):
        local = folder / path
        if local.is_symlink() or not local.resolve().is_relative_to(root):
            failures.append(f"{path}: not a file inside the backup folder")
        elif not local.is_file():
            failures.append(f"{path}: missing")
        elif entry_for(local) != {"sha256": entry["sha256"], "size": entry["size"]}:
            failures.append(f"{path}: SHA-256 mismatch")
    return failures
