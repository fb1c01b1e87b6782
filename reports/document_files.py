"""The rendered documents' files, sealed at rest (plumbing/keys/files.py): each PDF with a data
key of its own (`Document.data_key`), made when the file is written and destroyed when it is
deleted, so a deleted document cannot be read from a backup either. `Document.sha256` is the
hash of the PDF as rendered, the file a download hands out."""

import io
import uuid
from typing import IO, cast

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from plumbing.keys import store
from plumbing.keys.files import CHUNK_BYTES, OpenedFile, SealingReader, verify
from reports.models import Document

# The place document files are sealed for: the model's label.
SEALED_FOR = b"reports.document"


def store_sealed(name: str, pdf: bytes) -> tuple[str, uuid.UUID]:
    """Save `pdf` sealed with a new data key under `name` (or the name the storage picks);
    the stored name and the key's id. Whoever does not keep the file calls `discard`."""
    key = store.create_key()
    try:
        sealing = SealingReader(
            ContentFile(pdf), key_id=key, context=SEALED_FOR, plain_size=len(pdf)
        )
        # A file object to the storage, which only reads it (and may rewind it).
        stored = default_storage.save(name, File(cast(IO[bytes], sealing), name=name))
    except BaseException:
        store.destroy_keys([key])
        raise
    return stored, key


def discard(name: str, key: uuid.UUID | None) -> None:
    """Delete a stored document file and destroy its key, so no copy of it opens again."""
    default_storage.delete(name)
    if key is not None:
        store.destroy_keys([key])


def open_sealed(document: Document) -> io.BufferedReader:
    """The document's PDF, checked whole (a file altered or cut short anywhere raises
    plumbing.keys.files.Damaged before any of it is served; a destroyed key, KeyDestroyed)
    and then opened as it is read."""
    name: str = document.file.name  # type: ignore[assignment]  # a ready document has a file
    if document.data_key is None:
        raise store.KeyDestroyed(f"document {document.pk} has no data key")
    with default_storage.open(name, "rb") as stored:
        verify(stored, key_id=document.data_key, context=SEALED_FOR)
    opened = OpenedFile(
        default_storage.open(name, "rb"), key_id=document.data_key, context=SEALED_FOR
    )
    return io.BufferedReader(opened, buffer_size=CHUNK_BYTES)
