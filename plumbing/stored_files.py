"""The files the database points at (evidence, rendered documents) and the SHA-256 recorded for
each when it was written: which they are, and whether the storage still holds those bytes.

The rows live in the database, the bytes in the default storage of Django's storage API (a
folder on one machine, an S3 bucket that every machine shares). Backups, restores and
`verify_evidence` must cover every such file, yet plumbing imports no app: each app declares its
kinds of stored file here from its `AppConfig.ready()`, and a system check refuses a model file
field nobody declared, so a new kind of file cannot silently fall out of the backups.

Stored files are immutable. Each is saved under a fresh random name before the row that points
at it is committed, the storage never overwrites a name (FileSystemStorage picks another;
the S3 storage is configured with `file_overwrite` off), a row's file and hash are set once
(evidence when the report is filed, a document when it turns ready, which is final) and nothing
deletes a file a committed row points at. So a file named by a database snapshot has the bytes
it had when the snapshot was taken, for as long as anyone reads it: a backup may copy the files
after the dump.

Every stored file is sealed with a data key (plumbing/keys/files.py); each kind says where its
key is (`key_field`). Checking a file opens it and hashes the file it holds, since the recorded
SHA-256 is that of the file as received; a backup copies the sealed bytes as they are.
"""

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, BinaryIO

from django.apps import apps
from django.core import checks
from django.core.files.storage import Storage, default_storage
from django.db import models
from simple_history.models import HistoricalChanges

from plumbing.keys.files import Damaged, KeyDestroyed, OpenedFile

# Files are read and hashed this much at a time; none is ever read whole into memory.
CHUNK_BYTES = 1024 * 1024
# Rows are read from the database this many at a time (by primary key, from any DB-API cursor).
_BATCH = 1000


@dataclass(frozen=True)
class StoredFileKind:
    """A model whose rows point at stored files: the file field and the field holding the
    SHA-256 recorded when the file was written. Rows with an empty file name have no file yet
    (a document still queued, say) and are skipped.

    The files are sealed (plumbing/keys/files.py) with the data key named by `key_field`: a
    field of the model, or `<foreign key>__<field>` of the row it points at; the SHA-256 is the
    hash of the file as received, before it was sealed."""

    model_label: str
    file_field: str
    sha256_field: str
    key_field: str

    @property
    def context(self) -> bytes:
        """The place each file is sealed for (plumbing.keys.files): b"intake.evidence"."""
        return self.name.encode("ascii")

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def name(self) -> str:
        """How a finding names the kind: "intake.evidence"."""
        return self.model._meta.label_lower

    def select_after(self, last_pk: int) -> str:
        """The next batch of (pk, file, sha256) after `last_pk`. Plain SQL, so that a backup
        can run it on its own database snapshot; identifiers come from the model's options and
        the only value is an integer."""
        meta = self.model._meta
        pk = meta.pk.column
        file = meta.get_field(self.file_field).column  # type: ignore[union-attr]
        sha256 = meta.get_field(self.sha256_field).column  # type: ignore[union-attr]
        return (
            f'SELECT "{pk}", "{file}", "{sha256}", {self._key_sql()} '  # noqa: S608
            f'FROM "{meta.db_table}" '
            f"WHERE \"{file}\" <> '' AND \"{pk}\" > {int(last_pk)} "
            f'ORDER BY "{pk}" LIMIT {_BATCH}'
        )


    def _key_sql(self) -> str:
        """The data key's column, or a subquery for it on the row `key_field` goes through."""
        meta = self.model._meta
        if "__" not in self.key_field:
            key = meta.get_field(self.key_field).column  # type: ignore[union-attr]
            return f'"{meta.db_table}"."{key}"'
        through, field = self.key_field.split("__")
        link = meta.get_field(through)
        target = link.related_model._meta  # type: ignore[union-attr]
        key = target.get_field(field).column  # type: ignore[union-attr]
        link_column = link.column  # type: ignore[union-attr]
        table, pk = target.db_table, target.pk.column
        return (
            f'(SELECT "{key}" FROM "{table}" '  # noqa: S608 - identifiers from the models
            f'WHERE "{table}"."{pk}" = "{meta.db_table}"."{link_column}")'
        )


_DECLARED: dict[str, StoredFileKind] = {}


def declare_stored_files(
    model_label: str,
    *,
    file_field: str = "file",
    sha256_field: str = "sha256",
    key_field: str = "data_key",
) -> None:
    """Declare that `model_label`'s `file_field` names files in the default storage, sealed
    with the data key in `key_field`, whose SHA-256 (of the file as received) is recorded in
    `sha256_field`. Called from the owning app's `ready()`."""
    _DECLARED[model_label.lower()] = StoredFileKind(
        model_label=model_label,
        file_field=file_field,
        sha256_field=sha256_field,
        key_field=key_field,
    )


def declared_kinds() -> list[StoredFileKind]:
    return [_DECLARED[label] for label in sorted(_DECLARED)]


@dataclass(frozen=True)
class StoredFile:
    """One row's file: its kind, the row's id, the stored name, the recorded SHA-256 and the
    data key that seals it (None when the row has none: the file cannot be opened)."""

    kind: StoredFileKind
    pk: int
    name: str
    sha256: str
    data_key: uuid.UUID | None = None

    def __str__(self) -> str:
        # Ids only: an evidence file's original name can identify the person who sent it.
        return f"{self.kind.name} {self.pk}"


def recorded_files(cursor: Any) -> Iterator[StoredFile]:
    """Every declared stored file the database behind `cursor` (any DB-API cursor: Django's,
    or a backup's own snapshot) points at, kind by kind, in id order, a batch at a time."""
    for kind in declared_kinds():
        last_pk = 0
        while True:
            cursor.execute(kind.select_after(last_pk))
            rows = cursor.fetchall()
            for pk, name, sha256, key in rows:
                yield StoredFile(
                    kind=kind,
                    pk=pk,
                    name=name,
                    sha256=sha256 or "",
                    # A UUID from PostgreSQL, 32 hex digits from SQLite.
                    data_key=uuid.UUID(str(key)) if key else None,
                )
            if len(rows) < _BATCH:
                break
            last_pk = rows[-1][0]


def read_stored(
    name: str, *, storage: Storage | None = None, into: BinaryIO | None = None
) -> tuple[str, int]:
    """The SHA-256 and size of a stored file, read through the storage API a chunk at a time;
    with `into`, each chunk is also written there (a backup's copy). Raises FileNotFoundError
    when the storage has no such file."""
    digest = hashlib.sha256()
    size = 0
    with (storage or default_storage).open(name, "rb") as opened:
        for chunk in opened.chunks(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if into is not None:
                into.write(chunk)
    return digest.hexdigest(), size


class Finding(StrEnum):
    MISSING = "missing"  # the row names a file the storage does not have
    MISMATCH = "mismatch"  # the opened file does not hash to the recorded SHA-256
    DAMAGED = "damaged"  # the sealed file does not open: altered or cut short
    NO_KEY = "no key"  # the data key that seals it is destroyed (or the row names none)


@dataclass(frozen=True)
class Checked:
    """What reading a stored file found: the SHA-256 and size of its bytes as stored (sealed:
    what a backup copies), the SHA-256 of the file they hold (None when it did not open) and
    the finding (None when it opened and hashed to the recorded SHA-256)."""

    digest: str
    size: int
    plain_sha256: str | None
    finding: Finding | None


class _Tee:
    """Reads `source` for a reader, hashing (and copying `into`) every byte it hands out."""

    def __init__(self, source: Any, into: BinaryIO | None) -> None:
        self.source, self.into = source, into
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        part = self.source.read(size)
        self.digest.update(part)
        self.size += len(part)
        if self.into is not None:
            self.into.write(part)
        return part

    def seekable(self) -> bool:
        return False

    def drain(self) -> None:
        while self.read(CHUNK_BYTES):
            pass


def check_stored_file(
    stored: StoredFile, *, storage: Storage | None = None, into: BinaryIO | None = None
) -> Checked | None:
    """Read `stored` once through the storage: open it with its data key and hash the file it
    holds against the recorded SHA-256, while hashing (and with `into`, copying) the sealed
    bytes as they are. None when the storage has no such file."""
    try:
        with (storage or default_storage).open(stored.name, "rb") as source:
            tee = _Tee(source, into)
            plain_sha256: str | None = None
            finding: Finding | None = None
            try:
                if stored.data_key is None:
                    raise KeyDestroyed(str(stored))
                opened = OpenedFile(
                    tee,  # type: ignore[arg-type]  # read() is all it uses of this source
                    key_id=stored.data_key,
                    context=stored.kind.context,
                )
                plain = hashlib.sha256()
                while chunk := opened.read_chunk():
                    plain.update(chunk)
                plain_sha256 = plain.hexdigest()
            except KeyDestroyed:
                finding = Finding.NO_KEY
            except Damaged:
                finding = Finding.DAMAGED
            else:
                if plain_sha256 != stored.sha256:
                    finding = Finding.MISMATCH
            tee.drain()
    except FileNotFoundError:
        return None
    return Checked(
        digest=tee.digest.hexdigest(),
        size=tee.size,
        plain_sha256=plain_sha256,
        finding=finding,
    )


def check_stored(
    stored: StoredFile, *, storage: Storage | None = None, into: BinaryIO | None = None
) -> Finding | None:
    """None when the storage holds `stored` sealed, intact, with the recorded bytes."""
    checked = check_stored_file(stored, storage=storage, into=into)
    return Finding.MISSING if checked is None else checked.finding


def undeclared_file_fields(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: every file field of every model is declared (history tables copy the
    current rows' names, so they are covered by their model's declaration)."""
    declared = {(kind.model_label.lower(), kind.file_field) for kind in declared_kinds()}
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.FileField):
                continue
            if (model._meta.label_lower, field.name) not in declared:
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.{field.name} stores files that no backup, restore "
                        "or verify_evidence would cover.",
                        hint="Call plumbing.stored_files.declare_stored_files() for it from "
                        "its app's ready().",
                        obj=field,
                        id="plumbing.E001",
                    )
                )
    return errors
