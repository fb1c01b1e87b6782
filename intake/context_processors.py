"""What every page's template may need to keep a person safe (intake/safety.py)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from intake import safety

# Pages for staff, who need neither the help lines nor the quick exit.
STAFF_NAMESPACES = frozenset({"admin", "cases", "reports", "documents", "api_tokens"})


def _is_public(request: HttpRequest) -> bool:
    # A page no URL matched (a 404, a 503 raised in middleware) may be anyone's: public.
    match = getattr(request, "resolver_match", None)
    return match is None or not STAFF_NAMESPACES.intersection(match.namespaces)


def safety_context(request: HttpRequest) -> dict[str, Any]:
    """`safety` in every template, read when a template first uses it, in its language."""

    def build() -> dict[str, Any]:
        return {
            "public": _is_public(request),
            "help_lines": safety.help_lines(),
            "legal_help": safety.legal_help(),
            "quick_exit_url": safety.quick_exit_url(),
            "first_look_days": settings.INTAKE_TYPICAL_FIRST_LOOK_DAYS,
            "retention_years": settings.REPORT_RETENTION_YEARS,
            "statuses": safety.PUBLIC_STATUSES,
        }

    return {"safety": SimpleLazyObject(build)}
