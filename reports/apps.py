from django.apps import AppConfig

from plumbing.stored_files import declare_stored_files


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Backups, restores and verify_evidence cover rendered PDFs (plumbing/stored_files.py).
        declare_stored_files("reports.Document")
