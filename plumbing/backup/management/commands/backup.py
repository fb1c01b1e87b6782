from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from plumbing.backup.errors import BackupError
from plumbing.backup.services import take_backup


class Command(BaseCommand):
    help = (
        "Back up the database (one consistent snapshot) and every stored file it points at "
        "into a new folder, with a manifest of SHA-256 sums. Exits non-zero when a stored file "
        "is missing or does not match its recorded SHA-256 (the backup is still complete)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="A folder that does not exist yet, or is empty.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, folder: str, database: str, **options: Any) -> None:
        try:
            result = take_backup(folder=Path(folder), using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the database and {result.files - 1} stored files "
            f"({result.bytes} bytes in all) into {result.folder}."
        )
        self.stdout.write(
            f"Manifest SHA-256: {result.manifest_sha256} (keep it apart from the backup; "
            "`restore --manifest-sha256` checks it)."
        )
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"{len(result.problems)} stored files are missing or do not match their "
                "recorded SHA-256 (listed above and in the manifest)."
            )
