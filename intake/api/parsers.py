"""Body parsers for the public API that turn every malformed body into a 400 or 413.

DRF's own parsers read a JSON body of any size and let a too-deeply nested document or an
unexpected decoding error escape as a server error; anyone on the internet can send these.
"""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from plumbing.api_errors import RequestTooLarge


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_json(raw: bytes | str) -> Any:
    """Parse JSON text strictly (UTF-8, no NaN or Infinity), raising only ValueError."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


class BoundedJSONParser(parsers.JSONParser):
    """JSON, read up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes. RFC 8259 makes UTF-8 the only
    encoding for JSON between systems, so a charset parameter is not consulted."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            return loads_json(raw)
        except ValueError as error:
            message = _("The body is not valid JSON: %(error)s") % {"error": error}
            raise ParseError(message) from error


class SafeMultiPartParser(parsers.MultiPartParser):
    """Django's multipart parser, with decoding failures answered as a malformed request."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (UnicodeError, LookupError, ValueError) as error:
            raise ParseError(_("The multipart body could not be read.")) from error
