from django.apps import AppConfig
from django.core.signals import request_finished
from django.db import close_old_connections


class OutboxConfig(AppConfig):
    name = "plumbing.outbox"
    label = "outbox"
    verbose_name = "Outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from plumbing.outbox.services import relay_held

        # Before Django closes the request's database connection, which the hand-over still
        # uses: receivers run in the order they were connected.
        request_finished.disconnect(close_old_connections)
        request_finished.connect(relay_held, dispatch_uid="outbox.relay_held")
        request_finished.connect(close_old_connections)
