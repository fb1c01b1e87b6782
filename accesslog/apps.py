from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    name = "accesslog"
    verbose_name = "Access log"

    def ready(self) -> None:
        # Sign-ins, failed sign-ins and lockouts are written by signal receivers.
        import accesslog.signals  # noqa: F401
