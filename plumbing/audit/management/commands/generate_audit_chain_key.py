"""Write a new audit chain key to AUDIT_CHAIN_KEY_FILE (the embedded default's), or print one
for AUDIT_CHAIN_KEY."""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Make an audit chain key. With --if-missing, write one to AUDIT_CHAIN_KEY_FILE unless "
        "it exists (the quick start); with --print, only print it. A database chained under "
        "one key verifies only under that key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true")
        parser.add_argument("--print", action="store_true", dest="print_only")

    def handle(self, *args: Any, if_missing: bool, print_only: bool, **options: Any) -> None:
        key = secrets.token_urlsafe(48)
        if print_only:
            self.stdout.write(key)
            return
        path = Path(settings.AUDIT_CHAIN_KEY_FILE)
        if path.exists():
            if if_missing:
                return
            self.stderr.write(f"{path} exists; an existing chain verifies only under its key.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(f"{key}\n", encoding="ascii")
        self.stdout.write(f"Wrote an audit chain key to {path}.")
