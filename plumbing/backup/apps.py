from django.apps import AppConfig
from django.core import checks

from plumbing.stored_files import undeclared_file_fields


class BackupConfig(AppConfig):
    name = "plumbing.backup"
    label = "backup"
    verbose_name = "Backup and restore"

    def ready(self) -> None:
        # A file field no app declared would be left out of every backup.
        checks.register(undeclared_file_fields)
