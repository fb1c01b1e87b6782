"""Write a new key-encryption key to KEY_ENCRYPTION_KEY_FILE (the embedded default's), or
print one for KEY_ENCRYPTION_KEYS."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from plumbing.keys.store import new_key_encryption_key


class Command(BaseCommand):
    help = (
        "Make a key-encryption key. With --if-missing, write one to KEY_ENCRYPTION_KEY_FILE "
        "unless it exists (the quick start); with --print, only print it. To rotate, put the "
        "new key first in the file or KEY_ENCRYPTION_KEYS, keep the old ones after it, run "
        "rotate_key_encryption_key, then remove the old ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true")
        parser.add_argument("--print", action="store_true", dest="print_only")

    def handle(self, *args: Any, if_missing: bool, print_only: bool, **options: Any) -> None:
        key = new_key_encryption_key()
        if print_only:
            self.stdout.write(key)
            return
        path = Path(settings.KEY_ENCRYPTION_KEY_FILE)
        if path.exists():
            if if_missing:
                return
            # A new key goes first; the old ones stay readable until keys are re-wrapped.
            old = path.read_text(encoding="ascii")
            path.write_text(f"{key}\n{old}", encoding="ascii")
            self.stdout.write(f"Added a new key-encryption key first in {path}.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(f"{key}\n", encoding="ascii")
        self.stdout.write(f"Wrote a key-encryption key to {path}.")
