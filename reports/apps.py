from django.apps import AppConfig

from plumbing import events
from plumbing.stored_files import declare_stored_files


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the tasks in every process, not only in workers (which autodiscover them):
        # reports.services hands documents to the render task by its name in that registry.
        from reports import tasks  # noqa: F401

        # Backups, restores and verify_evidence cover rendered PDFs (plumbing/stored_files.py).
        declare_stored_files("reports.Document")

        # The statistics tallies follow the reports and cases written below (plumbing/events.py).
        from reports.tallies import count_events

        events.subscribe(count_events)
