"""System checks for what the public pages promise a person in danger (intake/safety.py)."""

from typing import Any

from django.conf import settings
from django.core import checks

from intake import safety


@checks.register()
def check_help_configuration(**kwargs: Any) -> list[checks.CheckMessage]:
    """A help line or legal help that is configured but cannot be shown is an error anywhere."""
    return [
        checks.Error(problem, hint="See docs/deployment.md, \"Help and safety\".", id="intake.E001")
        for problem in safety.configuration_problems()
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_help_lines_deployed(**kwargs: Any) -> list[checks.CheckMessage]:
    """A deployment without a help line tells a person detained right now only to call 911."""
    warnings: list[checks.CheckMessage] = []
    if not settings.URGENT_HELP_LINES:
        warnings.append(
            checks.Warning(
                "URGENT_HELP_LINES is not set: the public pages tell someone in danger or "
                "detained right now to call 911, and name no rapid-response or legal line.",
                hint="Set URGENT_HELP_LINES to the lines your community uses "
                "(docs/deployment.md, \"Help and safety\").",
                id="intake.W001",
            )
        )
    if not settings.LEGAL_HELP:
        warnings.append(
            checks.Warning(
                "LEGAL_HELP is not set: the rights page names no organisation to ask for "
                "legal help.",
                hint="Set LEGAL_HELP to a legal aid or immigrant-rights organisation "
                "(docs/deployment.md, \"Help and safety\").",
                id="intake.W002",
            )
        )
    return warnings
