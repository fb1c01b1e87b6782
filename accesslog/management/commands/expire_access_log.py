from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accesslog.services import expire_access_log


class Command(BaseCommand):
    help = "Delete access log rows older than ACCESS_LOG_RETENTION_DAYS (beat runs it daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = expire_access_log()
        self.stdout.write(
            f"Deleted {deleted} access log rows older than "
            f"{settings.ACCESS_LOG_RETENTION_DAYS} days."
        )
