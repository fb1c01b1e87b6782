"""Data keys: one random key per report, kept outside the database, wrapped by the
key-encryption keys (KEKs) the operator holds.

Why outside the database: destroying a report's data key is what makes its rows and files
unreadable everywhere they were copied, backups of the database and of the media folder
included ("crypto-shredding", reports.retention). A key kept in the database would be in every
backup of it, and so never destroyed.

On one machine the store is a small SQLite file (`KEYSTORE_PATH`) with `secure_delete` on,
so a destroyed key's bytes are overwritten in the file and not merely unlinked; with several
machines it is a PostgreSQL database of its own (`KEYSTORE_URL`, never the application's),
vacuumed after each destruction. Each key is kept wrapped
(Fernet, AES-128-CBC + HMAC-SHA256) by the newest KEK; the KEKs themselves live only in the
environment or in a key file (`KEY_ENCRYPTION_KEYS`, `KEY_ENCRYPTION_KEY_FILE`), never in the
store or the database. `rewrap_keys` re-wraps every key under the newest KEK without touching
any sealed row or file (`manage.py rotate_key_encryption_key`).

The store is opened once per thread and written in autocommit: a key is created before the
transaction that uses it (or, with `create_keys_soon`, while it runs and before it commits) and
survives that transaction's rollback as an orphan, which the daily purge destroys
(reports/retention.py).
"""

import contextlib
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from plumbing.keys.key_files import key_lines

DATA_KEY_BYTES = 32  # AES-256-GCM
# Unwrapped keys are kept this long in the memory of the process that used them, so a page
# that opens twenty sealed fields of one report unwraps its key once.
_CACHE_SECONDS = 300
_CACHE_SIZE = 4096


class KeyDestroyed(Exception):
    """The data key was destroyed (or never existed): what it sealed can no longer be read."""


_local = threading.local()
_cache: dict[uuid.UUID, tuple[bytes, float]] = {}
_cache_lock = threading.Lock()


def key_encryption_keys() -> MultiFernet:
    """The KEKs, newest first: the newest wraps, any of them unwraps."""
    keys = list(getattr(settings, "KEY_ENCRYPTION_KEYS", []) or [])
    path = getattr(settings, "KEY_ENCRYPTION_KEY_FILE", "")
    if not keys and path:
        keys = key_lines(
            path, setting="KEY_ENCRYPTION_KEY_FILE", command="generate_key_encryption_key"
        )
    if not keys:
        raise ImproperlyConfigured(
            "No key-encryption key: set KEY_ENCRYPTION_KEYS or KEY_ENCRYPTION_KEY_FILE."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"A key-encryption key is not a Fernet key: {error}") from error


def new_key_encryption_key() -> str:
    return Fernet.generate_key().decode("ascii")


class _SQLite:
    """The key store of one machine: a SQLite file with secure_delete on."""

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=30
        )
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA secure_delete=ON")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS data_key (id TEXT PRIMARY KEY, wrapped BLOB NOT NULL,"
            " created_at REAL NOT NULL) WITHOUT ROWID"
        )
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def change(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run `sql` once per row in one write transaction; how many rows it changed."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            changed = self.connection.executemany(sql, rows).rowcount
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")
        return changed

    def after_delete(self) -> None:
        # The write-ahead log still holds the pages as they were before the delete: fold it
        # into the file (where secure_delete zeroed the rows) and empty it.
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class _PostgreSQL:
    """The key store of several machines: a PostgreSQL database of its own (never the
    application's), backed up apart from it."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS data_key (id TEXT PRIMARY KEY, wrapped BYTEA NOT NULL,"
            " created_at DOUBLE PRECISION NOT NULL)"
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []

    def change(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
            return cursor.rowcount

    def after_delete(self) -> None:
        # Deleted rows stay in the table's pages until they are vacuumed.
        self.connection.execute("VACUUM data_key")


def _store() -> _SQLite | _PostgreSQL:
    url = getattr(settings, "KEYSTORE_URL", "")
    where = url or str(settings.KEYSTORE_PATH)
    store: _SQLite | _PostgreSQL | None = getattr(_local, "store", None)
    if store is not None and getattr(_local, "where", None) == where:
        return store
    store = _PostgreSQL(url) if url else _SQLite(where)
    _local.store, _local.where = store, where
    return store


def create_keys(count: int) -> list[uuid.UUID]:
    """`count` new data keys, stored wrapped in one write; their ids."""
    keys = _new_keys(count)
    _write_keys(keys)
    _remember_all(keys)
    return [key_id for key_id, _raw, _wrapped in keys]


class PendingKeys:
    """New data keys that a thread of this process is writing to the store (`create_keys_soon`).
    They seal and open at once; `wait()` before committing anything they sealed."""

    def __init__(self, ids: list[uuid.UUID], written: "Future[None]") -> None:
        self.ids = ids
        self._written = written

    def wait(self) -> list[uuid.UUID]:
        """Return once the keys are in the store; raise what writing them raised (and forget
        them: nothing sealed with them may be kept)."""
        try:
            self._written.result()
        except BaseException:
            forget(key_ids=self.ids)
            raise
        return self.ids


def create_keys_soon(count: int) -> PendingKeys:
    """`create_keys`, with the write to the store on a thread of its own while the caller goes on.

    The write is durable when it returns (the SQLite store flushes to disk on every commit), and
    that wait is most of its cost: intake makes its keys this way and waits for them just before
    its own commit, so the two flushes overlap its transaction instead of following each other.
    """
    keys = _new_keys(count)
    _remember_all(keys)
    ids = [key_id for key_id, _raw, _wrapped in keys]
    return PendingKeys(ids, _writer().submit(_write_keys, keys))


_NewKey = tuple[uuid.UUID, bytes, bytes]  # id, raw, wrapped


def _new_keys(count: int) -> list[_NewKey]:
    wrapper = key_encryption_keys()
    raws = [(uuid.uuid4(), secrets.token_bytes(DATA_KEY_BYTES)) for _ in range(count)]
    return [(key_id, raw, wrapper.encrypt(raw)) for key_id, raw in raws]


def _write_keys(keys: list[_NewKey]) -> None:
    now = time.time()
    _store().change(
        "INSERT INTO data_key (id, wrapped, created_at) VALUES (?, ?, ?)",
        [(key_id.hex, wrapped, now) for key_id, _raw, wrapped in keys],
    )


def _remember_all(keys: list[_NewKey]) -> None:
    with _cache_lock:
        for key_id, raw, _wrapped in keys:
            _remember(key_id, raw)


_writer_lock = threading.Lock()
_writers: dict[int, ThreadPoolExecutor] = {}


def _writer() -> ThreadPoolExecutor:
    """This process's key-writing threads: started one at a time, as writes overlap (a web
    process of one thread keeps one); made again in a forked child, whose parent's threads did
    not come with it."""
    pid = os.getpid()
    with _writer_lock:
        if pid not in _writers:
            _writers.clear()
            _writers[pid] = ThreadPoolExecutor(max_workers=4, thread_name_prefix="key-store")
        return _writers[pid]


def create_key() -> uuid.UUID:
    return create_keys(1)[0]


def data_key(key_id: uuid.UUID) -> bytes:
    """The raw data key; KeyDestroyed when it is gone."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key_id)
    if cached is not None and cached[1] > now:
        return cached[0]
    rows = _store().execute("SELECT wrapped FROM data_key WHERE id = ?", (key_id.hex,))
    if not rows:
        raise KeyDestroyed(str(key_id))
    try:
        raw = key_encryption_keys().decrypt(bytes(rows[0][0]))
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A data key cannot be unwrapped by any key-encryption key: is the KEK that "
            "wrapped it missing from KEY_ENCRYPTION_KEYS?"
        ) from error
    with _cache_lock:
        _remember(key_id, raw)
    return raw


def destroy_keys(key_ids: Iterable[uuid.UUID]) -> int:
    """Destroy these data keys for good (their bytes are overwritten in the store); how many
    there were."""
    ids = [key_id.hex for key_id in key_ids]
    store = _store()
    destroyed = store.change("DELETE FROM data_key WHERE id = ?", [(key_id,) for key_id in ids])
    store.after_delete()
    forget(key_ids=[uuid.UUID(hex=key_id) for key_id in ids])
    return destroyed


def existing_keys(key_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `key_ids` that still exist."""
    ids = [key_id.hex for key_id in key_ids]
    found: set[uuid.UUID] = set()
    store = _store()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for (key_id,) in store.execute(
            f"SELECT id FROM data_key WHERE id IN ({marks})",  # noqa: S608 - only "?" marks
            chunk,
        ):
            found.add(uuid.UUID(hex=key_id))
    return found


def all_key_ids(*, created_before: float | None = None) -> list[uuid.UUID]:
    sql, params = "SELECT id FROM data_key", []
    if created_before is not None:
        sql, params = sql + " WHERE created_at < ?", [created_before]
    return [uuid.UUID(hex=key_id) for (key_id,) in _store().execute(sql, params)]


def rewrap_keys(*, batch: int = 1000) -> int:
    """Re-wrap every data key under the newest KEK (each in its own batch of `batch`); how
    many. Sealed rows and files are untouched: their data keys do not change."""
    wrapper = key_encryption_keys()
    store = _store()
    done = 0
    last = ""
    while True:
        rows = store.execute(
            "SELECT id, wrapped FROM data_key WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
        )
        if not rows:
            return done
        store.change(
            "UPDATE data_key SET wrapped = ? WHERE id = ?",
            [(wrapper.rotate(bytes(wrapped)), key_id) for key_id, wrapped in rows],
        )
        done += len(rows)
        last = rows[-1][0]


def forget(*, key_ids: Iterable[uuid.UUID] | None = None) -> None:
    """Drop unwrapped keys from this process's memory (all of them without `key_ids`)."""
    with _cache_lock:
        if key_ids is None:
            _cache.clear()
        else:
            for key_id in key_ids:
                _cache.pop(key_id, None)


def _remember(key_id: uuid.UUID, raw: bytes) -> None:
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[key_id] = (raw, time.monotonic() + _CACHE_SECONDS)
