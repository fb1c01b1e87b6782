from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.synthetic import generate_synthetic_cases


class Command(BaseCommand):
    help = "Write N realistic synthetic cases in bulk, with history, and report the rate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, seconds: float) -> None:
            self.stdout.write(f"  {done} cases, {done / seconds:,.0f} cases/s", ending="\r")
            self.stdout.flush()

        result = generate_synthetic_cases(
            count=options["count"], seed=options["seed"], chunk_size=options["chunk_size"],
            progress=progress,
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Generated {result.cases:,} cases ({result.rows:,} rows) in {result.seconds:.1f} s: "
            f"{result.cases_per_second:,.0f} cases/s."
        ))
