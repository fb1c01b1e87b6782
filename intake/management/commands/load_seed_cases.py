from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intake.seeds import default_seed_file, load_seed_cases


class Command(BaseCommand):
    help = "Load the seed articles as fixture cases (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help=f"YAML file to load (default: {default_seed_file().name})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_seed_cases(options["file"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Seed cases: {result.cases_created} cases and {result.reports_created} reports "
                f"created, {result.reports_skipped} reports already present "
                f"({result.reports_updated} with their citation updated)."
            )
        )
