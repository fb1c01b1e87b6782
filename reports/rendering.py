"""HTML to PDF with WeasyPrint, and the case file built on it.

Security: WeasyPrint resolves every URL through `LocalOnlyFetcher`, which answers `data:` URLs
and our own static files from local disk and refuses everything else (file://, http(s), ftp,
anything unknown). Case data is rendered by Django's template engine with autoescaping on, so
markup typed by the public (`<img src="file:///etc/passwd">`) is text, never an element, and is
never even offered to the fetcher.

Fonts come from the machine (DejaVu is installed everywhere we run); the stylesheet has no
@font-face rules, so no font is ever fetched.
"""

from __future__ import annotations

import base64
import binascii
import gc
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cases.access import visible_cases
from cases.audit import case_chains
from cases.models import Case
from reports.access import may_export
from reports.case_file import load_case_file
from reports.models import Document

# Case files show times where the people reading them work.
REPORT_TIMEZONE = ZoneInfo("America/Chicago")

# The base URL relative references (`{% static %}` gives "/static/...") are joined to. The
# `.invalid` top-level domain can never resolve (RFC 6761), and the fetcher never opens a
# connection for it anyway: it maps the path to a file found by the staticfiles finders.
INTERNAL_BASE_URL = "https://rights-desk.invalid/"


class ResourceRefused(ValueError):
    """Raised by the fetcher for any URL it will not serve; WeasyPrint then skips the
    resource (and logs it) instead of embedding it."""


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    # A case file's chain heads as printed on it (cases.audit.CaseChains.heads).
    chain_heads: dict[str, list[Any]] | None = None


def _static_prefix() -> str:
    prefix = "/" + str(settings.STATIC_URL or "static/").lstrip("/")
    return prefix if prefix.endswith("/") else prefix + "/"


def _decode_data_url(url: str) -> tuple[bytes, str]:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ResourceRefused("Malformed data: URL.")
    params = header.split(";")
    content_type = params[0].strip() or "text/plain"
    if params[-1].strip().lower() == "base64":
        try:
            return base64.b64decode(unquote(payload), validate=False), content_type
        except (binascii.Error, ValueError) as error:
            raise ResourceRefused("Malformed base64 in a data: URL.") from error
    return unquote_to_bytes(payload), content_type


def _static_file(path: str) -> Path:
    """The local file behind a /static/ path, found the way `{% static %}` files are."""
    relative = unquote(path[len(_static_prefix()) :])
    parts = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(
        part in ("", ".", "..") for part in parts
    ):
        raise ResourceRefused("Not a static file path.")
    found = finders.find(relative)
    if not found:
        raise ResourceRefused("No such static file.")
    return Path(found)


class LocalOnlyFetcher(URLFetcher):
    """Serves `data:` URLs and our own static files; refuses every other URL.

    Nothing here touches the network or reads a file outside the static directories: file://
    URLs, http(s) URLs to any host (including this one's loopback) and every other scheme
    raise ResourceRefused.
    """

    def __init__(self) -> None:
        # `fetch` below never calls the opener the parent class sets up; refusing redirects
        # and every protocol there only keeps it inert should anything reach it.
        super().__init__(allowed_protocols=(), allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            body, content_type = _decode_data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        internal = urlsplit(INTERNAL_BASE_URL)
        parts = urlsplit(url)
        if (
            parts.scheme.lower() == internal.scheme
            and parts.netloc.lower() == internal.netloc
            and not parts.query
            and parts.path.startswith(_static_prefix())
        ):
            path = _static_file(parts.path)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        raise ResourceRefused("Only data: URLs and our own static files may be embedded.")


# Shared by every render in this process. Building a FontConfiguration loads fontconfig's view
# of the machine's fonts, which costs more than laying out a short document, so it is made once.
# Pango's font map is not documented as thread-safe, hence the lock; workers are processes, so
# it never makes one render wait for another there.
_FONT_CONFIG: FontConfiguration | None = None
_FETCHER = LocalOnlyFetcher()
_LOCK = threading.Lock()


def _font_config() -> FontConfiguration:
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the length of one render.

    A render allocates a few hundred thousand objects (boxes, styles, layout state) that stay
    alive until it ends, so the collector would run again and again over a young heap that
    holds no garbage yet, and its older generations over everything the process has loaded.
    Paused, a case file renders about a tenth faster in a worker that renders one after
    another, and the worker's memory stays flat: what a render leaves in cycles is collected
    once the collector is back on. The switch is process-wide, like `_LOCK`: renders are
    serialised, and a collector someone else turned off stays off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def html_to_pdf(html: str, *, base_url: str | None = None) -> RenderResult:
    """Render `html` to a PDF and count its pages.

    Relative URLs resolve against our internal base, so `{% static %}` paths work; the fetcher
    only ever serves those and `data:` URLs (see LocalOnlyFetcher). `base_url` exists for
    callers that build their own absolute static URLs on that base; any other base only makes
    every relative resource refused.
    """
    with _LOCK, _collector_paused():
        font_config = _font_config()
        document = HTML(
            string=html, base_url=base_url or INTERNAL_BASE_URL, url_fetcher=_FETCHER
        ).render(font_config=font_config)
        pdf = document.write_pdf()
    return RenderResult(pdf=pdf, pages=len(document.pages))


def render_case_file(*, document: Document) -> RenderResult:
    """The full or redacted case file for `document` (kind "case_file" or
    "redacted_case_file"), as seen by the person who asked for it.

    The redacted kind goes through the reader projection with `redacted=True` (cases/privacy:
    names, contacts, addresses removed everywhere, free text included); the full kind shows
    what `document.requested_by` may see (cases.access). Raises ValueError for any other
    kind, and PermissionDenied if the person who asked may no longer export this kind or see
    the case: a role can change between the request and the render, and a file nobody may
    download should not be written.
    """
    if document.kind not in (Document.Kind.CASE_FILE, Document.Kind.REDACTED_CASE_FILE):
        raise ValueError(f"Not a case file: {document.kind}")
    redacted = document.kind == Document.Kind.REDACTED_CASE_FILE
    reader = document.requested_by
    if not (
        may_export(reader, document.kind)
        and visible_cases(reader).filter(pk=document.case_id).exists()  # type: ignore[misc]  # None matches no case
    ):
        raise PermissionDenied("The person who asked may not have this case file.")
    # A case file's document has a case: without one the check above refused it.
    case = cast(Case, document.case)
    data = load_case_file(case=case, reader=reader, redacted=redacted)
    # The chain head is read after the file's contents: a change made in between is in the
    # head, and so shows as "changed since" when the paper copy is checked, never the reverse.
    chains = case_chains(case)
    with timezone.override(REPORT_TIMEZONE), translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "reports/case_file.html",
            {
                "data": data,
                "redacted": redacted,
                "generated_at": timezone.localtime(timezone.now()),
                "requested_at": timezone.localtime(document.requested_at),
                "requested_by": _person(reader),
                "kind_label": document.get_kind_display(),
                "document_id": document.pk,
                "chain_head": chains.digest,
                "chains_intact": chains.intact,
            },
        )
    result = html_to_pdf(html)
    return RenderResult(pdf=result.pdf, pages=result.pages, chain_heads=chains.heads)


def _person(user: Any) -> str:
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    username = user.get_username()
    return f"{full_name} ({username})" if full_name else username
