"""Check a copy of a case file: which document it is, and whether its history still holds."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.integrity import check_document, describe


class Command(BaseCommand):
    help = (
        "Hash FILE, find the case file Rights Desk rendered with that SHA-256, say when and for "
        "whom, and whether the chain head printed on it is still part of the case's intact "
        "history. Exits non-zero for an unknown or altered file or a broken history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            with file.open("rb") as stream:
                check = check_document(stream)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        for line in describe(check):
            self.stdout.write(line)
        if check.document is None:
            raise CommandError("Unknown file: it is not a case file Rights Desk rendered.")
        if not check.ok:
            raise CommandError("The file's history does not hold: see above.")
