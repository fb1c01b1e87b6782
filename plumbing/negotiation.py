"""Content negotiation of every API view (REST_FRAMEWORK's DEFAULT_CONTENT_NEGOTIATION_CLASS).

A module of its own: DRF imports it while defining `APIView`, so it must not import DRF's views.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a `?format=` no renderer offers is 406 `not_acceptable`
    (as an `Accept` header none offers is), not a 404 that reads as "no such address"."""

    def filter_renderers(self, renderers: Any, format: str) -> Any:
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            shown = format.encode("utf-8", "backslashreplace").decode("utf-8")
            raise exceptions.NotAcceptable(
                _("No answer is available in the format %(format)s.") % {"format": shown}
            )
        return chosen
