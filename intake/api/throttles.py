"""Rate limits of the public endpoints, per client address, kept in the shared cache.

Rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` entries named by each class's scope, set
from the environment in config/settings/base.py. The client address is the connection's unless
`NUM_PROXIES` says how many trusted proxies sit in front, so a client cannot pick a fresh
address by sending its own X-Forwarded-For.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _PerAddressThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read at request time rather than at import, so a changed setting takes effect.
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        try:
            return rates[self.scope or ""]
        except KeyError as error:
            message = f"No throttle rate is set for scope {self.scope!r}."
            raise ImproperlyConfigured(message) from error

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ReportSubmitThrottle(_PerAddressThrottle):
    scope = "report_submit"


class ReportStatusThrottle(_PerAddressThrottle):
    """Limits guessing of tracking codes and secrets."""

    scope = "report_status"
