"""`manage.py outbox [--relay]`: what waits in the outbox, and handing it over now."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count, Min
from django.utils import timezone

from plumbing.outbox.models import OutboxMessage
from plumbing.outbox.services import relay_pending


class Command(BaseCommand):
    help = "Show the messages waiting in the outbox; with --relay, hand them to the broker now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--relay", action="store_true", help="Hand every due message to the broker now."
        )

    def handle(self, *args: Any, relay: bool = False, **options: Any) -> None:
        if relay:
            self.stdout.write(f"Published {relay_pending()} message(s).")
        pending = OutboxMessage.objects.filter(published_at__isnull=True)
        rows = pending.values("task", "last_error").annotate(
            count=Count("pk"), oldest=Min("created_at")
        ).order_by("task", "last_error")
        if not rows:
            self.stdout.write("Nothing is waiting.")
            return
        now = timezone.now()
        for row in rows:
            waited = int((now - row["oldest"]).total_seconds())
            error = f", last refused with {row['last_error']}" if row["last_error"] else ""
            self.stdout.write(
                f"{row['count']} waiting for {row['task']} (oldest {waited} s{error})"
            )
