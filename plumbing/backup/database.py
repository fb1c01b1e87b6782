"""The database half of a backup: one consistent dump, and loading it into an empty database.

PostgreSQL: `pg_dump` (custom format) of a snapshot exported from a REPEATABLE READ transaction
that stays open while the backup reads which files and migrations that snapshot holds, so the
dump and the file list agree exactly. SQLite: the online backup API, which copies a consistent
state even while others write; the file list is then read from the copy.

Both sides take the connection settings of `DATABASES[using]`; the PostgreSQL client programs
(`pg_dump`, `pg_restore`) must be of the server's major version or newer.
"""

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from plumbing.backup.errors import BackupError

DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


@dataclass
class Snapshot:
    """A dump just written, and a DB-API cursor reading the very state it holds."""

    vendor: str
    dump: Path
    cursor: Any

    def migrations(self) -> list[list[str]]:
        """The applied migrations, as [app, name] pairs."""
        self.cursor.execute('SELECT "app", "name" FROM "django_migrations" ORDER BY "app", "name"')
        return [[app, name] for app, name in self.cursor.fetchall()]


@contextmanager
def dumped(*, using: str, folder: Path) -> Iterator[Snapshot]:
    """Dump database `using` into `folder` and yield the snapshot until the block ends."""
    connection = connections[using]
    if connection.vendor not in DUMP_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    path = folder / DUMP_FILES[connection.vendor]
    dump = _pg_dump if connection.vendor == "postgresql" else _sqlite_dump
    with dump(connection, path) as snapshot:
        yield snapshot


@contextmanager
def _pg_dump(connection: BaseDatabaseWrapper, path: Path) -> Iterator[Snapshot]:
    # A connection of our own: the transaction must begin with our isolation level, whatever
    # the caller's connection is doing.
    own = connection.copy()
    own.ensure_connection()
    try:
        with own.connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot_id,) = cursor.fetchone()
            _run(
                [
                    "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                    # COMMENT ON EXTENSION needs a superuser to restore; we write no comments.
                    "--no-comments", f"--snapshot={snapshot_id}", f"--file={path}",
                    *_pg_connection_arguments(connection),
                ],
                connection,
            )
            yield Snapshot(vendor="postgresql", dump=path, cursor=cursor)
            cursor.execute("ROLLBACK")
    finally:
        own.close()


@contextmanager
def _sqlite_dump(connection: BaseDatabaseWrapper, path: Path) -> Iterator[Snapshot]:
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    reader = _read_only(path)
    try:
        yield Snapshot(vendor="sqlite", dump=path, cursor=reader.cursor())
    finally:
        reader.close()


def is_empty(*, using: str) -> bool:
    """True when the database has no tables at all (a new one)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def load(*, using: str, vendor: str, dump: Path, replace: bool) -> None:
    """Load `dump` into database `using`. With `replace`, objects the dump holds are dropped
    first (PostgreSQL; tables the dump lacks are left alone) or the whole file is replaced
    (SQLite); without it the database is expected empty, and the caller checks that."""
    connection = connections[using]
    if connection.vendor != vendor:
        raise BackupError(
            f"This backup holds a {vendor} database; the database to restore into is "
            f"{connection.vendor}."
        )
    if vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                "--single-transaction", *(["--clean", "--if-exists"] if replace else []),
                *_pg_connection_arguments(connection), str(dump),
            ],
            connection,
        )
        return
    connection.ensure_connection()
    source = _read_only(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _pg_connection_arguments(connection: BaseDatabaseWrapper) -> list[str]:
    settings = connection.settings_dict
    arguments = [f"--dbname={settings['NAME']}"]
    if settings.get("HOST"):
        arguments.append(f"--host={settings['HOST']}")
    if settings.get("PORT"):
        arguments.append(f"--port={settings['PORT']}")
    if settings.get("USER"):
        arguments.append(f"--username={settings['USER']}")
    return arguments


def _run(command: list[str], connection: BaseDatabaseWrapper) -> None:
    """Run a PostgreSQL client program with the connection's password and TLS settings in its
    environment (never on its command line, where other users of the machine could read it)."""
    _arguments, extra = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    environment = {**os.environ, **(extra or {})}
    try:
        finished = subprocess.run(  # noqa: S603 (a fixed program; arguments from our settings)
            command, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} was not found: install PostgreSQL's client programs, of the server's "
            "major version or newer."
        ) from error
    if finished.returncode != 0:
        raise BackupError(
            f"{command[0]} failed (exit {finished.returncode}): {finished.stderr.strip()[-2000:]}"
        )
