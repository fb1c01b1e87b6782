"""Sealing stored files (evidence, rendered documents) with a data key (plumbing.keys.store), a
chunk at a time: no file is ever held whole in memory to seal or open it.

Format (version 1):

    header   "RDSF" | version (1 byte) | nonce prefix (8 random bytes)      13 bytes
    chunk i  AES-256-GCM(nonce = prefix | i as 4 bytes big-endian,
                         associated data = header | context | i (8 bytes) | last (1 byte))
             of CHUNK_BYTES of the file (the last chunk fewer, possibly none), tag appended

Every chunk but the last holds exactly CHUNK_BYTES, so a chunk's place in the sealed file
follows from its index and a reader can seek. Binding the header, the place (`context`, such
as b"intake.evidence"), the index and the "last" flag into each chunk means that a changed
byte, chunks swapped, dropped or repeated, a file cut short at any point (even between two
chunks) or a sealed file moved to another kind of record all fail to open: `Damaged` is raised
and nothing of the failing chunk is handed out. A file whose key was destroyed
(`store.destroy_keys`) raises `KeyDestroyed`: that is how a purged case's files become
unreadable wherever they were copied, backups included.

`SealingReader` seals while it is read (what a storage's `save` reads from), `OpenedFile` opens
while it is read (a seekable file object: downloads, the metadata-stripping copy) and
`plain_chunks` yields the opened file in chunks of at most CHUNK_BYTES.
"""

import io
import os
import secrets
import struct
import uuid
from collections.abc import Iterator
from typing import IO, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.base import File
from django.core.files.storage import Storage

from plumbing.keys.sealing import Unreadable
from plumbing.keys.store import KeyDestroyed, data_key

__all__ = [
    "CHUNK_BYTES",
    "Damaged",
    "KeyDestroyed",
    "OpenedFile",
    "SealingReader",
    "is_sealed_file",
    "plain_chunks",
    "plain_size",
    "seal_stored",
    "sealed_size",
    "unseal_stored",
    "verify",
]

MAGIC = b"RDSF"
VERSION = 1
_PREFIX_BYTES = 8
HEADER_BYTES = len(MAGIC) + 1 + _PREFIX_BYTES
CHUNK_BYTES = 64 * 1024
_TAG_BYTES = 16
SEALED_CHUNK_BYTES = CHUNK_BYTES + _TAG_BYTES
_MAX_CHUNKS = 2**32


class Damaged(Unreadable):
    """A sealed file that does not open: altered, cut short, not sealed, or sealed for another
    place. Nothing of it may be served."""


def sealed_size(plain: int) -> int:
    """The size of a file of `plain` bytes once sealed."""
    chunks = max(1, -(-plain // CHUNK_BYTES))
    return HEADER_BYTES + plain + chunks * _TAG_BYTES


def plain_size(sealed: int) -> int:
    """The size of the file a sealed file of `sealed` bytes holds; Damaged when no sealed file
    has that size."""
    body = sealed - HEADER_BYTES
    full, rest = divmod(body, SEALED_CHUNK_BYTES)
    if body < _TAG_BYTES or 0 < rest < _TAG_BYTES:
        raise Damaged("the sealed file is cut short")
    return full * CHUNK_BYTES + (rest - _TAG_BYTES if rest else 0)


def _header(prefix: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + prefix


def _associated(header: bytes, context: bytes, index: int, last: bool) -> bytes:
    return header + context + struct.pack(">QB", index, 1 if last else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    if index >= _MAX_CHUNKS:
        raise ValueError("a file this large cannot be sealed")
    return prefix + struct.pack(">I", index)


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of `source` (which may return short reads)."""
    parts, wanted = [], size
    while wanted:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class SealingReader(io.RawIOBase):
    """The sealed form of `source` (from its start: it is rewound), produced as it is read.
    Give it to a storage's `save` (wrapped in django's File): the storage reads the sealed
    bytes a piece at a time and at most one chunk of the file is in memory. `size` is the
    sealed size when `plain_size` (the source's size) is given. Rewinding (`seek(0)`) starts
    again and yields the same bytes."""

    def __init__(
        self,
        source: IO[bytes],
        *,
        key_id: uuid.UUID,
        context: bytes,
        plain_size: int | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._aead = AESGCM(data_key(key_id))
        self._context = context
        self._header = _header(os.urandom(_PREFIX_BYTES))
        self.size = sealed_size(plain_size) if plain_size is not None else None
        self._rewind()

    def _rewind(self) -> None:
        self._source.seek(0)
        self._index = 0
        self._ahead = _read_exactly(self._source, CHUNK_BYTES)
        self._done = False
        self._buffer = memoryview(self._header)
        self._position = 0

    def _next_chunk(self) -> bytes:
        plain = self._ahead
        self._ahead = _read_exactly(self._source, CHUNK_BYTES) if len(plain) == CHUNK_BYTES else b""
        last = not self._ahead
        sealed = self._aead.encrypt(
            _nonce(self._header[-_PREFIX_BYTES:], self._index),
            plain,
            _associated(self._header, self._context, self._index, last),
        )
        self._index += 1
        self._done = last
        return sealed

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, target: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._buffer:
            if self._done:
                return 0
            self._buffer = memoryview(self._next_chunk())
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        self._position += count
        return count

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset == 0 and whence == io.SEEK_SET:
            self._rewind()
            return 0
        if offset == 0 and whence == io.SEEK_CUR:
            return self._position
        raise io.UnsupportedOperation("a file being sealed can only be rewound")


class OpenedFile(io.RawIOBase):
    """The file that the sealed `source` holds, opened as it is read; seekable when `source` is.
    At most one chunk of it is in memory. Raises Damaged (on open for a bad header or size, or
    on the read that reaches a chunk that does not open) and KeyDestroyed."""

    def __init__(
        self,
        source: IO[bytes],
        *,
        key_id: uuid.UUID,
        context: bytes,
        name: str = "",
        sealed_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._context = context
        self.name = name
        header = _read_exactly(source, HEADER_BYTES)
        if len(header) < HEADER_BYTES or header[: len(MAGIC)] != MAGIC:
            raise Damaged("not a sealed file")
        if header[len(MAGIC)] != VERSION:
            raise Damaged(f"sealed file version {header[len(MAGIC)]} is unknown")
        self._header = header
        self._aead = AESGCM(data_key(key_id))
        if sealed_bytes is None and source.seekable():
            sealed_bytes = source.seek(0, io.SEEK_END)
            source.seek(HEADER_BYTES)
        self.size = plain_size(sealed_bytes) if sealed_bytes is not None else None
        self._index = 0  # the next chunk to open
        self._position = 0
        self._buffer = memoryview(b"")
        self._ended = False
        self._ahead: bytes | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.size is not None and self._source.seekable()

    def _open_chunk(self) -> bytes | None:
        """The next chunk opened, None after the last one."""
        if self._ended:
            return None
        sealed = (
            self._ahead
            if self._ahead is not None
            else _read_exactly(self._source, SEALED_CHUNK_BYTES)
        )
        self._ahead = None
        if len(sealed) == SEALED_CHUNK_BYTES:
            # A full chunk is the last one only when nothing follows it.
            following = _read_exactly(self._source, SEALED_CHUNK_BYTES)
            last = not following
            self._ahead = following or None
        else:
            last = True
        if len(sealed) < _TAG_BYTES:
            raise Damaged("the sealed file is cut short")
        try:
            plain = self._aead.decrypt(
                _nonce(self._header[-_PREFIX_BYTES:], self._index),
                sealed,
                _associated(self._header, self._context, self._index, last),
            )
        except InvalidTag as error:
            raise Damaged(
                "the sealed file was altered, cut short or belongs elsewhere "
                f"(chunk {self._index})"
            ) from error
        self._index += 1
        self._ended = last
        return plain

    def read_chunk(self) -> bytes:
        """What is left of the current chunk, or the next one opened; b"" at the end."""
        if self._buffer:
            rest = bytes(self._buffer)
            self._buffer = memoryview(b"")
        else:
            rest = b""
            while not rest:
                opened = self._open_chunk()
                if opened is None:
                    return b""
                rest = opened
        self._position += len(rest)
        return rest

    def readinto(self, target: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._buffer:
            opened = self._open_chunk()
            if opened is None:
                return 0
            self._buffer = memoryview(opened)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        self._position += count
        return count

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._position
        elif whence == io.SEEK_END:
            if self.size is None:
                raise io.UnsupportedOperation("the size of this sealed file is not known")
            offset += self.size
        if offset == self._position:
            return offset
        if not self.seekable():
            raise io.UnsupportedOperation("this sealed file can only be read in order")
        assert self.size is not None  # noqa: S101 - seekable() says so
        offset = max(0, offset)
        index = min(offset, self.size) // CHUNK_BYTES
        self._source.seek(HEADER_BYTES + index * SEALED_CHUNK_BYTES)
        self._index, self._ended, self._ahead = index, False, None
        self._buffer = memoryview(b"")
        self._position = index * CHUNK_BYTES
        skip = offset - self._position
        if skip and offset < self.size:
            opened = self._open_chunk() or b""
            self._buffer = memoryview(opened)[skip:]
        self._position = offset
        return offset

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def is_sealed_file(source: IO[bytes]) -> bool:
    """Whether `source` starts like a sealed file (it is read from its start and rewound)."""
    source.seek(0)
    head = source.read(len(MAGIC))
    source.seek(0)
    return head == MAGIC


def plain_chunks(
    source: IO[bytes], *, key_id: uuid.UUID, context: bytes
) -> Iterator[bytes]:
    """The file the sealed `source` holds, in chunks of at most CHUNK_BYTES, each handed out
    only once it opened."""
    opened = OpenedFile(source, key_id=key_id, context=context)
    while chunk := opened.read_chunk():
        yield chunk


def verify(source: IO[bytes], *, key_id: uuid.UUID, context: bytes) -> int:
    """Open the whole of the sealed `source` and forget it; its plain size. Raises Damaged or
    KeyDestroyed as opening would."""
    return sum(len(chunk) for chunk in plain_chunks(source, key_id=key_id, context=context))


def _beside(name: str) -> str:
    """A fresh random name in the folder of `name`, with its extension."""
    folder, slash, base = name.rpartition("/")
    suffix = base[base.index(".") :] if "." in base else ""
    return f"{folder}{slash}{secrets.token_hex(16)}{suffix}"


def seal_stored(storage: Storage, name: str, *, key_id: uuid.UUID, context: bytes) -> str:
    """Seal the plain stored file `name` into a new file beside it (same folder and extension,
    a fresh random name), a chunk at a time; the new name. The plain file is left for the
    caller to delete once the row points at the sealed one."""
    wanted = _beside(name)
    with storage.open(name, "rb") as plain:
        sealing = SealingReader(
            plain, key_id=key_id, context=context, plain_size=storage.size(name)
        )
        return storage.save(wanted, File(cast(IO[bytes], sealing), name=wanted))


def unseal_stored(storage: Storage, name: str, *, key_id: uuid.UUID, context: bytes) -> str:
    """The reverse of `seal_stored`: the file the sealed `name` holds, saved plain under a new
    name beside it; the new name."""
    wanted = _beside(name)
    opened = OpenedFile(storage.open(name, "rb"), key_id=key_id, context=context)
    with opened:
        return storage.save(wanted, File(cast(IO[bytes], opened), name=wanted))
