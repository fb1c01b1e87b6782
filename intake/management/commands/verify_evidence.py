from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from plumbing.stored_files import check_stored, recorded_files


class Command(BaseCommand):
    help = (
        "Open every stored evidence file and ready document through the storage with its data "
        "key and re-hash the file it holds against the SHA-256 recorded when it was written; "
        "list the missing, mismatched, damaged and keyless ones by id and exit non-zero if "
        "there are any."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked = 0
        findings: list[str] = []
        with connection.cursor() as cursor:
            for stored in recorded_files(cursor):
                checked += 1
                finding = check_stored(stored)
                if finding is not None:
                    # Ids only: an original file name can say who sent the file.
                    findings.append(f"{stored}: {finding}")
                    self.stdout.write(findings[-1])
        self.stdout.write(f"Checked {checked} stored files: {len(findings)} failed.")
        if findings:
            raise CommandError(
                f"{len(findings)} stored files are missing or do not match their recorded SHA-256."
            )
