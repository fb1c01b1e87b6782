from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.models import Case
from cases.search import refresh_search_text


class Command(BaseCommand):
    help = (
        "Rebuild every case's blind search index from its reports (after SEARCH_INDEX_KEY "
        "changes, or after migrating back and forth)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), options["batch"]):
            with transaction.atomic():
                refresh_search_text(ids[start : start + options["batch"]])
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the search index of {len(ids):,} cases."))
