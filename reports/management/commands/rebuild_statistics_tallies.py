from typing import Any

from django.core.management.base import BaseCommand

from reports.tallies import rebuild_tallies


class Command(BaseCommand):
    help = (
        "Recount the running statistics tallies from the tables (after loading data in bulk, "
        "or to repair drift); the nightly statistics task does the same."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = rebuild_tallies()
        self.stdout.write(self.style.SUCCESS(f"Statistics tallies recounted: {changed} changed."))
