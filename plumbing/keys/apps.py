from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "plumbing.keys"
    label = "keys"
    verbose_name = "Keys for records at rest"

    def ready(self) -> None:
        from plumbing.keys import checks  # noqa: F401 - registers the deployment checks
