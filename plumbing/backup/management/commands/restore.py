from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from plumbing.backup.errors import BackupError
from plumbing.backup.services import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder into a new, empty database and storage. Every SHA-256 of the "
        "manifest is checked before anything is written; a mismatch stops the restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="A folder written by `manage.py backup`.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite a database that has tables, and stored files with other bytes.",
        )
        parser.add_argument(
            "--manifest-sha256",
            help="The manifest's SHA-256 as `backup` printed it, kept apart from the backup.",
        )

    def handle(
        self,
        *args: Any,
        folder: str,
        database: str,
        force: bool,
        manifest_sha256: str | None,
        **options: Any,
    ) -> None:
        try:
            result = restore_backup(
                folder=Path(folder), using=database, force=force, manifest_sha256=manifest_sha256
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the database of {result.taken_at} and {result.files_written} stored files "
            f"({result.files_already_there} were already there)."
        )
        for problem in result.recorded_problems:
            self.stderr.write(f"  recorded when the backup was taken: {problem}")
        if result.newer_migrations:
            self.stdout.write(
                f"This code has {len(result.newer_migrations)} migrations the backup predates: "
                "run `manage.py migrate`."
            )
