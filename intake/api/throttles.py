"""Rate limits of the public endpoints: the web form's per-address limits, shared.

A report filed through the API and one filed on the form count against the same budget for
the same client address (`intake.ratelimit`, kept in the shared cache), so switching channel
does not double anyone's allowance. Rates are INTAKE_SUBMISSION_RATE and
INTAKE_STATUS_LOOKUP_RATE; the address is read as RATE_LIMIT_TRUSTED_PROXY_COUNT allows.
"""

import time
from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from intake import ratelimit

# The scopes the web form counts in (intake/views.py).
SUBMIT_SCOPE = "intake-submit"
STATUS_SCOPE = "intake-status"


class _SharedLimit(BaseThrottle):
    scope: str
    rate_setting: str

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = ratelimit.parse_rate(getattr(settings, self.rate_setting))
        return ratelimit.hit(self.scope, request, self.rate)

    def wait(self) -> float:
        """Seconds until the current counting window ends (the limit is a fixed window)."""
        return self.rate.seconds - time.time() % self.rate.seconds


class ReportSubmitThrottle(_SharedLimit):
    scope = SUBMIT_SCOPE
    rate_setting = "INTAKE_SUBMISSION_RATE"


class ReportStatusThrottle(_SharedLimit):
    """Limits guessing of tracking codes and secrets."""

    scope = STATUS_SCOPE
    rate_setting = "INTAKE_STATUS_LOOKUP_RATE"
