import sys

from django.apps import AppConfig
from django.conf import settings

from plumbing.stored_files import declare_stored_files


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        # Backups, restores and verify_evidence cover these files (plumbing/stored_files.py).
        declare_stored_files("intake.Evidence", key_field="report__data_key")
        # Registers the checks of the help lines and legal help (`check --deploy` warns), and
        # the signals that drop the reference tables kept in memory when one changes.
        from intake import checks, reference  # noqa: F401
        # Read here, after every settings module has had its say, so production (DEBUG off)
        # never prints it and the embedded default always does.
        if settings.DEBUG and getattr(settings, "WARN_WHEN_DEBUG", True):
            sys.stderr.write(
                "\n*** Rights Desk is running with DEBUG on (the embedded default). This is for "
                "development only: never expose it to the public or load real reports into "
                "it. ***\n\n"
            )
