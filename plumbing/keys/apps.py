from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "plumbing.keys"
    label = "keys"
    verbose_name = "Keys for records at rest"
