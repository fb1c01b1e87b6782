"""Re-wrap every data key under the newest key-encryption key. No sealed row or file changes:
their data keys stay the same, only the keys' wrapping does."""

from typing import Any

from django.core.management.base import BaseCommand

from plumbing.keys.store import rewrap_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every data key under the first (newest) key-encryption key. Afterwards the "
        "older key-encryption keys can be removed from the configuration."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = rewrap_keys()
        self.stdout.write(f"Re-wrapped {count} data keys under the newest key-encryption key.")
