"""Checks and storage for uploaded evidence.

The type of a file is read from its bytes, never from its name or the browser's claim, and only
images, video, audio and PDF are kept. Files are stored under a random name; the name the person
gave is kept as data only. They are stored sealed with their report's data key
(plumbing/keys/files.py), sealed while they are written and opened while they are read; the
recorded SHA-256 is that of the file as received.
"""

import hashlib
import io
import logging
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, cast

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.keys import report_key
from intake.metadata import NoSharedCopy, Refusal, shared_copy
from plumbing.keys.files import CHUNK_BYTES, OpenedFile, SealingReader, verify

if TYPE_CHECKING:
    from intake.models import Evidence

ALLOWED_MIME_PREFIXES = ("image/", "video/", "audio/")
ALLOWED_MIME_TYPES = {"application/pdf"}
# Image types a browser could execute script in are refused even though they are images.
REFUSED_MIME_TYPES = {"image/svg+xml"}
_SNIFF_BYTES = 8192

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InspectedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


def inspect_upload(upload: File) -> InspectedFile:
    """Read the file once: detect its type from its bytes, check its size, hash it."""
    size = upload.size or 0
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    name = getattr(upload, "name", "") or ""
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(limit)d MB.")
            % {"name": name, "limit": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    allowed = mime in ALLOWED_MIME_TYPES or mime.startswith(ALLOWED_MIME_PREFIXES)
    if not allowed or mime in REFUSED_MIME_TYPES:
        raise ValidationError(
            _("The file “%(name)s” is not a photo, video, audio recording or PDF.") % {"name": name}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():  # chunks() starts from the beginning of the file
        digest.update(chunk)
    upload.seek(0)
    return InspectedFile(
        content_type=mime, extension=kind.extension, size=size, sha256=digest.hexdigest()
    )


def check_total_size(uploads: list[File]) -> None:
    total = sum(u.size or 0 for u in uploads)
    limit = settings.EVIDENCE_MAX_REPORT_BYTES
    if total > limit:
        raise ValidationError(
            _("Together the files are larger than %(limit)d MB.")
            % {"limit": limit // (1024 * 1024)}
        )


# The place evidence files are sealed for (plumbing.keys.files): the model's label.
SEALED_FOR = b"intake.evidence"


def store_file(upload: IO[bytes], inspected: InspectedFile, *, key_id: uuid.UUID) -> str:
    """Save sealed with the data key `key_id` (the report's) under a random name in private
    storage, a chunk at a time; return the stored name."""
    now = timezone.now()
    name = f"evidence/{now:%Y/%m}/{secrets.token_hex(16)}.{inspected.extension}"
    sealing = SealingReader(
        upload, key_id=key_id, context=SEALED_FOR, plain_size=inspected.size
    )
    # A file object to the storage, which only reads it (and may rewind it).
    return default_storage.save(name, File(cast(IO[bytes], sealing), name=name))


def open_stored(evidence: "Evidence") -> io.BufferedReader:
    """The evidence file as received, opened from its sealed copy as it is read (seekable).
    Raises plumbing.keys.files.Damaged when the stored file was altered or cut short (on
    opening or on the read that reaches the damage) and KeyDestroyed when the report's key is
    gone."""
    name: str = evidence.file.name  # type: ignore[assignment]  # a stored file has a name
    opened = OpenedFile(
        default_storage.open(name, "rb"),
        key_id=report_key(evidence.report),
        context=SEALED_FOR,
        name=PurePosixPath(name).name,
    )
    return io.BufferedReader(opened, buffer_size=CHUNK_BYTES)


def check_intact(evidence: "Evidence") -> None:
    """Open the whole stored file once and forget it, so that a file altered or cut short
    anywhere is refused (Damaged) before any of it is served."""
    name: str = evidence.file.name  # type: ignore[assignment]  # a stored file has a name
    with default_storage.open(name, "rb") as stored:
        verify(stored, key_id=report_key(evidence.report), context=SEALED_FOR)


def delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_DOWNLOAD_STEM = 100


def download_name(original_name: str, stored_name: str) -> str:
    """The name a downloaded file is offered under: the name the person gave, without its path
    and extension, reduced to ASCII letters, digits, dashes and underscores (nothing a header
    or a file system could misread), plus the extension of the type found in its bytes, so a
    file is never offered as something it is not."""
    stem = PurePosixPath(original_name.replace("\\", "/")).stem
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE_NAME_CHARACTERS.sub("_", stem).strip("_-")[:_MAX_DOWNLOAD_STEM]
    extension = PurePosixPath(stored_name).suffix.lower()
    return f"{stem or 'evidence'}{extension}"


def file_response(evidence: "Evidence", *, original: bool = False) -> FileResponse:
    """The file as a download: never shown inline, never cached, never sniffed as another type.

    By default the shared copy, without location, camera and other embedded data
    (intake/metadata); `original` is the stored file as it was received. Either way
    `X-Original-SHA256` carries the recorded SHA-256 of the original, so whoever receives a copy
    can tie it to the evidence record, and `X-Evidence-Copy` says which of the two this is.

    Raises NoSharedCopy (after logging why) when no clean copy can be made: nothing is served in
    its place. Raises plumbing.keys.files.Damaged when the stored file was altered or cut short
    and KeyDestroyed when its key is gone: nothing of it is served either. The caller decides
    who may have the file and records that they did.
    """
    filename = download_name(evidence.original_name, evidence.file.name)  # type: ignore[arg-type]  # a stored file has a name
    if original:
        # Checked whole first, so a damaged original is refused rather than cut off midway.
        check_intact(evidence)
        body: File[bytes] | IO[bytes] = open_stored(evidence)
        named = PurePosixPath(filename)
        filename = f"{named.stem}_original{named.suffix}"
    else:
        with open_stored(evidence) as stored:
            try:
                body = shared_copy(stored, evidence.content_type)
            except NoSharedCopy as refused:
                logger.warning(
                    "No shared copy of evidence %s (%s): %s",
                    evidence.pk,
                    evidence.content_type,
                    refused.detail,
                    exc_info=refused.refusal == Refusal.UNREADABLE,
                )
                raise
    response = FileResponse(
        body, as_attachment=True, filename=filename, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Original-SHA256"] = evidence.sha256
    response["X-Evidence-Copy"] = "original" if original else "metadata-removed"
    return response
