from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    name = "api_tokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        # Describes the token scheme in the OpenAPI schema (a drf-spectacular extension).
        import api_tokens.schema  # noqa: F401
