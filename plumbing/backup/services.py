"""Taking a backup and restoring one: the two entry points behind `manage.py backup` and
`manage.py restore`.

A backup is a new folder holding the database dump, a copy of every stored file a row of that
dump points at (under media/, by its storage name) and `manifest.json`. The files are copied
after the dump is taken: they are immutable once written (see plumbing.stored_files), so each
one still has the bytes the snapshot refers to, and files written after the snapshot are simply
not in it. Only files a row points at are copied: evidence waiting in the form of a report not
yet sent (intake-pending/) belongs to a session that will have expired before any restore, was
never consented to as a report, and is purged within hours anyway; rendered copies that lost a
race are orphans.

Evidence and documents are stored sealed (plumbing/keys/files.py) and carry the SHA-256 of the
file as received; the backup copies the sealed bytes as they are (a backup holds nothing a
destroyed key could still open), opens each on the way to check the file it holds against that
SHA-256, and records in the manifest each file that was missing, damaged, without its key or
not matching, so a file damaged in the storage is noticed the night it is backed up, not when a
court asks. The manifest's own SHA-256 of each copy is that of its sealed bytes.

A restore checks everything it can before it writes anything: the manifest, that the database
is empty (unless `force`), that this code knows every migration the backup has, every SHA-256
of the folder, and that the storage holds no other bytes under the backup's names. Then it
writes the stored files (each read back through the storage and checked again), and loads the
database last, so that no restored row ever points at a file that is not there yet.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from plumbing.backup import database
from plumbing.backup.errors import BackupError
from plumbing.backup.manifest import (
    MEDIA_FOLDER,
    Manifest,
    check_path,
    entry_for,
    failed_files,
)
from plumbing.stored_files import Finding, check_stored_file, read_stored, recorded_files


@dataclass
class BackupResult:
    folder: Path
    manifest_sha256: str
    files: int
    bytes: int
    # "intake.evidence 12: mismatch" lines; empty when every stored file was sound.
    problems: list[str] = field(default_factory=list)


def take_backup(
    *, folder: Path, using: str = DEFAULT_DB_ALIAS, storage: Storage | None = None
) -> BackupResult:
    """Back up database `using` and the stored files it points at into `folder`, which must
    not exist yet or be empty. Files missing from the storage or not matching their recorded
    SHA-256 do not stop the backup: they are returned and listed in the manifest."""
    storage = storage or default_storage
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not an empty folder: a backup goes into a new one.")
    folder.mkdir(parents=True, exist_ok=True)
    taken_at = timezone.now()
    with database.dumped(using=using, folder=folder) as snapshot:
        migrations = snapshot.migrations()
        stored_files = list(recorded_files(snapshot.cursor))
    manifest = Manifest(
        taken_at=taken_at.isoformat(), vendor=snapshot.vendor, migrations=migrations
    )
    manifest.files[snapshot.dump.name] = entry_for(snapshot.dump)
    # Path -> the SHA-256 of the file its sealed copy holds (None when it did not open).
    opened: dict[str, str | None] = {}
    for stored in stored_files:
        path = f"{MEDIA_FOLDER}/{stored.name}"
        check_path(path, vendor=snapshot.vendor)
        finding: Finding | None = None
        if path in manifest.files:  # two rows of one file: copied once, each row checked
            if opened[path] != stored.sha256:
                finding = Finding.MISMATCH
        else:
            local = folder / path
            local.parent.mkdir(parents=True, exist_ok=True)
            with local.open("xb") as copy:
                # The sealed bytes are copied as they are, and opened on the way to check them.
                checked = check_stored_file(stored, storage=storage, into=copy)
            if checked is None:
                local.unlink(missing_ok=True)
                finding = Finding.MISSING
            else:
                manifest.files[path] = {"sha256": checked.digest, "size": checked.size}
                opened[path] = checked.plain_sha256
                finding = checked.finding
        if finding is not None:
            manifest.problems.append({"file": str(stored), "finding": str(finding)})
    manifest_sha256 = manifest.write(folder)
    return BackupResult(
        folder=folder,
        manifest_sha256=manifest_sha256,
        files=len(manifest.files),
        bytes=sum(entry["size"] for entry in manifest.files.values()),
        problems=[f"{p['file']}: {p['finding']}" for p in manifest.problems],
    )


@dataclass
class RestoreResult:
    taken_at: str
    files_written: int
    files_already_there: int
    # Problems the backup recorded when it was taken (restored as they were).
    recorded_problems: list[str]
    # Migrations this code has that the backup predates: `manage.py migrate` applies them.
    newer_migrations: list[str]


def restore_backup(
    *,
    folder: Path,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
    force: bool = False,
    manifest_sha256: str | None = None,
) -> RestoreResult:
    """Restore the backup in `folder` into database `using` (empty, unless `force`) and the
    storage. Raises BackupError, having written nothing, when any check fails."""
    storage = storage or default_storage
    manifest = Manifest.read(folder, expected_sha256=manifest_sha256)
    if not force and not database.is_empty(using=using):
        raise BackupError(
            "The database to restore into already has tables. Restore into a new, empty "
            "database, or pass --force to overwrite this one."
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, name in manifest.migrations}
    unknown = sorted(in_backup - known)
    if unknown:
        raise BackupError(
            "The backup was taken by a newer version: this code does not have its migrations "
            + ", ".join(f"{app}.{name}" for app, name in unknown)
            + ". Restore it with the version that took it."
        )
    failures = failed_files(folder, manifest)
    if failures:
        raise BackupError(
            "The backup failed its SHA-256 check, so nothing was restored:\n  "
            + "\n  ".join(failures)
        )
    names = manifest.media_names()
    already_there = _already_stored(names, manifest, storage=storage, force=force)
    for name in names:
        if name in already_there:
            continue
        expected = manifest.files[f"{MEDIA_FOLDER}/{name}"]["sha256"]
        if force and storage.exists(name):
            storage.delete(name)
        with (folder / MEDIA_FOLDER / name).open("rb") as local:
            saved = storage.save(name, File(local, name=name))
        if saved != name:
            raise BackupError(f"The storage saved {name} as {saved}; restore stopped.")
        digest, _size = read_stored(name, storage=storage)
        if digest != expected:
            raise BackupError(f"{name} did not arrive intact in the storage; restore stopped.")
    database.load(
        using=using, vendor=manifest.vendor, dump=folder / manifest.database_file, replace=force
    )
    return RestoreResult(
        taken_at=manifest.taken_at,
        files_written=len(names) - len(already_there),
        files_already_there=len(already_there),
        recorded_problems=[f"{p.get('file')}: {p.get('finding')}" for p in manifest.problems],
        newer_migrations=sorted(f"{app}.{name}" for app, name in known - in_backup),
    )


def _already_stored(
    names: list[str], manifest: Manifest, *, storage: Storage, force: bool
) -> set[str]:
    """The names the storage already holds with the backup's bytes (an interrupted restore run
    again). Other bytes under one of the names stop the restore unless `force`."""
    same, conflicting = set(), []
    for name in names:
        if not storage.exists(name):
            continue
        digest, _size = read_stored(name, storage=storage)
        if digest == manifest.files[f"{MEDIA_FOLDER}/{name}"]["sha256"]:
            same.add(name)
        else:
            conflicting.append(name)
    if conflicting and not force:
        raise BackupError(
            "The storage already holds other files under these names of the backup; restore "
            "into a new, empty storage, or pass --force to overwrite them:\n  "
            + "\n  ".join(conflicting)
        )
    return same
