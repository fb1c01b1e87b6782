"""`manage.py purge_expired_cases`: the daily retention purge, run by hand."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.retention import purge_expired_cases


class Command(BaseCommand):
    help = (
        "Destroy the closed cases past their retention and under no legal hold (their data "
        "keys first, then their rows and files), and data keys no row refers to."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_expired_cases()
        self.stdout.write(
            f"{len(result.purged)} cases purged, {result.keys_destroyed} data keys destroyed, "
            f"{result.orphan_keys_destroyed} orphan data keys destroyed."
        )
